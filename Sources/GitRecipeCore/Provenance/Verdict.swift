/// How a reproduction compares with the run it re-ran (DESIGN §2 `verdict`): every output
/// byte-identical is `exact`; otherwise every metric within the recipe's `tolerance` (a
/// metric without one must be equal) is `within-tolerance`; anything else has `diverged`.
public struct Verdict: Equatable, Sendable {
    public enum Tier: String, Sendable {
        case exact
        case withinTolerance = "within-tolerance"
        case diverged
    }

    /// An output whose digest differs; `nil` on the side that has no such output.
    public struct Output: Equatable, Sendable {
        public let path: String
        public let run: String?
        public let reproduction: String?
    }

    /// A metric that differs; `nil` on the side that did not report it.
    public struct Metric: Equatable, Sendable {
        public let name: String
        public let run: Double?
        public let reproduction: Double?
        /// The recipe's tolerance for it; 0 when it declares none.
        public let tolerance: Double

        /// Whether the difference is one the recipe accepts: at most the tolerance, allowing
        /// for rounding (0.97 − 0.96 is 0.010000000000000009 in binary floating point).
        public var isTolerated: Bool {
            guard let run, let reproduction else { return false }
            return abs(reproduction - run) - tolerance <= 1e-12 * max(1, abs(run), abs(reproduction))
        }
    }

    public let tier: Tier
    public let outputs: [Output]
    public let metrics: [Metric]

    /// Compares output digests (`path → sha256:…`) and metrics of the run and its reproduction.
    public init(
        run: (outputs: [String: String], metrics: [String: Double]),
        reproduction: (outputs: [String: String], metrics: [String: Double]),
        tolerance: [String: Double]
    ) {
        outputs = Set(run.outputs.keys).union(reproduction.outputs.keys).sorted()
            .filter { run.outputs[$0] != reproduction.outputs[$0] }
            .map { Output(path: $0, run: run.outputs[$0], reproduction: reproduction.outputs[$0]) }
        metrics = Set(run.metrics.keys).union(reproduction.metrics.keys).sorted()
            .filter { !Self.same(run.metrics[$0], reproduction.metrics[$0]) }
            .map { Metric(name: $0, run: run.metrics[$0], reproduction: reproduction.metrics[$0], tolerance: tolerance[$0] ?? 0) }
        tier =
            if outputs.isEmpty && metrics.isEmpty {
                .exact
            } else if metrics.allSatisfy(\.isTolerated) {
                .withinTolerance
            } else {
                .diverged
            }
    }

    /// Equal numbers, both missing, or both NaN.
    private static func same(_ a: Double?, _ b: Double?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a == b || (a.isNaN && b.isNaN)
    }
}
