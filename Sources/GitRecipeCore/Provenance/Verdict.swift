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
    public init(run: (outputs: [String: String], metrics: [String: Double]),
                reproduction: (outputs: [String: String], metrics: [String: Double]),
                tolerance: [String: Double]) {
        outputs = Set(run.outputs.keys).union(reproduction.outputs.keys).sorted()
            .filter { run.outputs[$0] != reproduction.outputs[$0] }
            .map { Output(path: $0, run: run.outputs[$0], reproduction: reproduction.outputs[$0]) }
        metrics = Set(run.metrics.keys).union(reproduction.metrics.keys).sorted()
            .filter { !Self.same(run.metrics[$0], reproduction.metrics[$0]) }
            .map { Metric(name: $0, run: run.metrics[$0], reproduction: reproduction.metrics[$0], tolerance: tolerance[$0] ?? 0) }
        tier = if outputs.isEmpty && metrics.isEmpty {
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

    /// The manifest's `differences` entry: what differs, with both values.
    var differences: CanonicalYAML {
        func value(_ digest: String?) -> CanonicalYAML { digest.map(CanonicalYAML.string) ?? .string("absent") }
        func value(_ number: Double?) -> CanonicalYAML { number.map(CanonicalYAML.float) ?? .string("absent") }
        return .ordered([
            ("outputs", .map(Dictionary(uniqueKeysWithValues: outputs.map {
                ($0.path, CanonicalYAML.ordered([("run", value($0.run)), ("reproduction", value($0.reproduction))]))
            }))),
            ("metrics", .map(Dictionary(uniqueKeysWithValues: metrics.map {
                ($0.name, CanonicalYAML.ordered([("run", value($0.run)), ("reproduction", value($0.reproduction)),
                                                 ("tolerance", .float($0.tolerance))]))
            }))),
        ])
    }

    /// One line per difference, for the terminal.
    public var lines: [String] {
        outputs.map { "output \($0.path): \($0.run ?? "absent") in the run, \($0.reproduction ?? "absent") now" }
            + metrics.map { metric in
                let values = "\(metric.run.map(SeedStatistics.format) ?? "absent") in the run, \(metric.reproduction.map(SeedStatistics.format) ?? "absent") now"
                guard let run = metric.run, let now = metric.reproduction else { return "metric \(metric.name): \(values)" }
                let delta = "Δ \(SeedStatistics.format(now - run))"
                return "metric \(metric.name): \(values) (\(delta), " + (metric.isTolerated
                    ? "within tolerance \(SeedStatistics.format(metric.tolerance)))"
                    : (metric.tolerance == 0 ? "no tolerance declared)" : "beyond tolerance \(SeedStatistics.format(metric.tolerance)))"))
            }
    }
}
