/// How a reproduction compares with the run it re-ran (`verdict` in docs/reference.md): every output
/// byte-identical is `exact`; otherwise every metric within the recipe's `tolerance` (a
/// metric without one must be equal) is `within-tolerance`; anything else has `diverged`.
public struct Verdict: Equatable, Sendable {
    /// The verdict's word, as the manifest records it.
    public enum Tier: String, Sendable {
        case exact
        case withinTolerance = "within-tolerance"
        case diverged
    }

    /// An output whose digest differs; `nil` on the side that has no such output.
    public struct Output: Equatable, Sendable {
        /// The output's path; a directory's file as `DIR/FILE`.
        public let path: String
        /// Its digest in the run.
        public let run: String?
        /// Its digest in the reproduction.
        public let reproduction: String?
    }

    /// A metric that differs; `nil` on the side that did not report it.
    public struct Metric: Equatable, Sendable {
        /// The metric's dotted name.
        public let name: String
        /// Its value in the run.
        public let run: Double?
        /// Its value in the reproduction.
        public let reproduction: Double?
        /// The recipe's tolerance for it; 0 when it declares none.
        public let tolerance: Double

        /// Whether the difference is one the recipe accepts: at most the tolerance, allowing
        /// for rounding (0.97 − 0.96 is 0.010000000000000009 in binary floating point).
        var isTolerated: Bool {
            guard let run, let reproduction else { return false }
            return abs(reproduction - run) - tolerance <= 1e-12 * max(1, abs(run), abs(reproduction))
        }
    }

    /// The verdict.
    public let tier: Tier
    /// The outputs that differ.
    public let outputs: [Output]
    /// The metrics that differ.
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
