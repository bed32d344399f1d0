import Foundation

/// `reproduce SWEEP`: how well a sweep reproduced, in three tiers. Tier 1,
/// `exact`: every seed's reproduction is exact. Tier 2, `equivalent`: for every metric, two
/// one-sided tests (TOST, Welch's t at the 5% level each) show the reproduced mean within the
/// recipe's tolerance of the original's — the difference's 90% interval lies inside
/// ±tolerance. Otherwise `diverged`; a seed whose reproduction failed makes it so too.
public struct SweepReproduction: Sendable {
    /// The tiers, best first.
    public enum Tier: String, Sendable {
        case exact
        case equivalent
        case diverged
    }

    /// One metric over both sweeps.
    public struct Metric: Sendable {
        /// The metric's name.
        public let name: String
        /// The original sweep's values.
        let original: SeedStatistics
        /// The reproductions' values.
        let reproduced: SeedStatistics
        /// The recipe's tolerance (0 when it declares none).
        let tolerance: Double
        /// The difference's 90% interval, when both sides have a spread.
        let interval: ClosedRange<Double>?
        /// The larger of the two one-sided p-values (TOST's p), when tested.
        let p: Double?
        /// Whether the reproduced mean is shown within the tolerance.
        public let equivalent: Bool
    }

    /// The tier.
    public let tier: Tier
    /// Every metric both sides report, by name.
    public let metrics: [Metric]
    /// Seeds whose reproduction did not succeed.
    public let failedSeeds: [Int]

    /// The tier of reproducing `original` (a sweep's runs) as `reproductions` (each seed's
    /// verdict, `nil` when its reproduction failed, and metrics), with `tolerance` by metric.
    public init(original: [RunRecord], reproductions: [(seed: Int, verdict: Verdict?, metrics: [String: Double])], tolerance: [String: Double]) {
        failedSeeds = reproductions.filter { $0.verdict == nil }.map(\.seed)
        let names = original.dropFirst().reduce(Set(original.first?.metrics.keys.map { $0 } ?? [])) { $0.intersection($1.metrics.keys) }
        metrics = names.sorted().compactMap { name in
            guard let before = SeedStatistics(original.compactMap { $0.metrics[name] }),
                let after = SeedStatistics(reproductions.compactMap { $0.verdict == nil ? nil : $0.metrics[name] })
            else { return nil }
            return Self.equivalence(name, before, after, tolerance: tolerance[name] ?? 0)
        }
        if failedSeeds.isEmpty && reproductions.allSatisfy({ $0.verdict?.tier == .exact }) {
            tier = .exact
        } else if failedSeeds.isEmpty && metrics.allSatisfy(\.equivalent) {
            tier = .equivalent
        } else {
            tier = .diverged
        }
    }

    /// TOST for one metric: equivalent when the difference's 90% interval lies within
    /// ±`tolerance`; without a spread on either side, when the difference itself does.
    private static func equivalence(_ name: String, _ before: SeedStatistics, _ after: SeedStatistics, tolerance: Double) -> Metric {
        // The 90% Welch interval: each one-sided test at 5%.
        let comparison = MetricComparison(baseline: before, candidate: after, confidence: 0.90)
        let difference = comparison.difference
        guard case .success(let welch) = comparison.test else {
            let slack = 1e-12 * max(1, abs(before.mean), abs(after.mean))
            return Metric(
                name: name, original: before, reproduced: after, tolerance: tolerance, interval: nil, p: nil,
                equivalent: difference.isFinite && abs(difference) <= tolerance + slack)
        }
        let interval = welch.interval
        let t = StudentT(degreesOfFreedom: welch.degreesOfFreedom)
        let error = welch.standardError
        let p = max(1 - t.cumulative((difference + tolerance) / error), t.cumulative((difference - tolerance) / error))
        return Metric(
            name: name, original: before, reproduced: after, tolerance: tolerance, interval: interval, p: p,
            equivalent: tolerance > 0 && interval.lowerBound > -tolerance && interval.upperBound < tolerance)
    }

    /// One line per metric and per failed seed, for the terminal.
    public var lines: [String] {
        failedSeeds.map { "seed \($0): the reproduction failed" }
            + metrics.map { metric in
                let format = SeedStatistics.format
                var line =
                    "\(metric.name): original \(metric.original.summary) (n=\(metric.original.count)), "
                    + "reproduced \(metric.reproduced.summary) (n=\(metric.reproduced.count)), "
                    + "Δ \(metric.reproduced.mean - metric.original.mean >= 0 ? "+" : "")\(format(metric.reproduced.mean - metric.original.mean))"
                if let interval = metric.interval, let p = metric.p {
                    line += ", 90% CI [\(format(interval.lowerBound)), \(format(interval.upperBound))], TOST \(MetricComparison.formatP(p))"
                }
                line += metric.tolerance == 0 ? ", no tolerance declared" : ", tolerance ±\(format(metric.tolerance))"
                return line + (metric.equivalent ? ": equivalent" : ": not shown equivalent")
            }
    }
}
