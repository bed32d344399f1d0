import Foundation

/// One metric of two sets of runs compared: the difference of the means and,
/// when both sides have a spread, Welch's t test — the 95% interval of the difference, the
/// two-sided p-value and Cohen's d. A side with one run has no spread, so nothing is
/// tested and nothing may be called significant.
struct MetricComparison: Equatable, Sendable {
    /// The baseline side.
    let baseline: SeedStatistics
    /// The candidate side.
    let candidate: SeedStatistics
    /// Candidate mean − baseline mean.
    let difference: Double
    /// Welch's test, or why there is none.
    let test: Result<Welch, NoTest>
    /// The confidence level of the interval.
    let confidence: Double

    /// Welch's unequal-variances t test of the difference.
    struct Welch: Equatable, Sendable {
        /// t = difference / standard error.
        let t: Double
        /// Welch–Satterthwaite degrees of freedom.
        let degreesOfFreedom: Double
        /// The standard error of the difference.
        let standardError: Double
        /// Two-sided p-value.
        let p: Double
        /// The confidence interval of the difference (95% unless asked otherwise).
        let interval: ClosedRange<Double>
        /// The difference in pooled standard deviations.
        let cohensD: Double
    }

    /// Why the two sides were not tested.
    enum NoTest: Error, Equatable, Sendable {
        /// A side has a single run: no spread, so no test.
        case singleRun
        /// Every run on both sides gave the same value.
        case noSpread
        /// A value is NaN or infinite.
        case notFinite
    }

    /// The comparison of `baseline` with `candidate`, its interval at `confidence`.
    init(baseline: SeedStatistics, candidate: SeedStatistics, confidence: Double = 0.95) {
        self.baseline = baseline
        self.candidate = candidate
        self.confidence = confidence
        difference = candidate.mean - baseline.mean
        test = Self.welch(baseline, candidate, difference, confidence: confidence)
    }

    private static func welch(_ a: SeedStatistics, _ b: SeedStatistics, _ difference: Double, confidence: Double) -> Result<Welch, NoTest> {
        guard difference.isFinite, a.standardDeviation.isFinite, b.standardDeviation.isFinite else { return .failure(.notFinite) }
        guard a.count > 1, b.count > 1 else { return .failure(.singleRun) }
        let (n1, n2) = (Double(a.count), Double(b.count))
        let (v1, v2) = (a.standardDeviation * a.standardDeviation / n1, b.standardDeviation * b.standardDeviation / n2)
        guard v1 + v2 > 0 else { return .failure(.noSpread) }
        let error = (v1 + v2).squareRoot()
        let t = difference / error
        let df = (v1 + v2) * (v1 + v2) / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
        let distribution = StudentT(degreesOfFreedom: df)
        let margin = distribution.quantile(0.5 + confidence / 2) * error
        let pooled = (((n1 - 1) * a.standardDeviation * a.standardDeviation + (n2 - 1) * b.standardDeviation * b.standardDeviation) / (n1 + n2 - 2))
            .squareRoot()
        return .success(
            Welch(
                t: t, degreesOfFreedom: df, standardError: error, p: distribution.twoSided(t),
                interval: (difference - margin)...(difference + margin),
                cohensD: difference / pooled))
    }

    /// Whether the test found the difference at the 5% level: false without a test.
    var significant: Bool {
        if case .success(let welch) = test { return welch.p < 0.05 }
        return false
    }

    /// `95% CI [−0.002, 0.023], p = 0.09, d = 0.81`, or why there is no test.
    var summary: String {
        switch test {
        case .success(let welch):
            "\(SeedStatistics.format(confidence * 100))% CI [\(SeedStatistics.format(welch.interval.lowerBound)), \(SeedStatistics.format(welch.interval.upperBound))], "
                + "\(Self.formatP(welch.p)), d = \(String(format: "%.2f", welch.cohensD))"
                + (welch.p < 0.05 ? "" : ": not significant")
        case .failure(.singleRun): "one run on a side, no spread: not a test"
        case .failure(.noSpread): "no spread on either side: not a test"
        case .failure(.notFinite): "a value is not finite: not a test"
        }
    }

    /// `p = 0.042` (two significant digits), or `p < 0.001`.
    static func formatP(_ p: Double) -> String {
        p < 0.001 ? "p < 0.001" : "p = " + String(format: "%.2g", p)
    }
}
