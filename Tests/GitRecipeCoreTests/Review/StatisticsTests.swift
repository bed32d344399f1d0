import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// Student's t and Welch's test against scipy's own values, computed by scipy itself on the
/// same numbers (scipy comes with scikit-learn, which CI installs).
@Suite struct StatisticsTests {
    /// What `script` prints as JSON, run by python3 with scipy.
    static func scipy(_ script: String) throws -> Any {
        let result = try run(
            "python3", ["-c", "import json\nfrom scipy import stats\n" + script], in: "/", environment: ProcessInfo.processInfo.environment)
        guard result.status == 0 else { throw CommandFailure(command: "python3 (scipy)", result: result) }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    static let degrees: [Double] = [1, 2, 3.4482758620689653, 4, 7.3, 12, 29.5, 60, 250, 10_000]

    @Test func quantilesAndTailsMatchScipy() throws {
        let expected = try #require(
            try Self.scipy(
                "print(json.dumps([[stats.t.ppf(p, df) for p in (0.975, 0.9, 0.6)] + [stats.t.cdf(x, df) for x in (-3.1, 0.4, 2.2)] "
                    + "for df in \(Self.degrees)]))") as? [[Double]])
        for (df, values) in zip(Self.degrees, expected) {
            let t = StudentT(degreesOfFreedom: df)
            let ours = [0.975, 0.9, 0.6].map(t.quantile) + [-3.1, 0.4, 2.2].map(t.cumulative)
            for (mine, theirs) in zip(ours, values) {
                #expect(abs(mine - theirs) <= 1e-9 * max(1, abs(theirs)), "df \(df): \(mine) vs scipy's \(theirs)")
            }
        }
    }

    @Test func welchsTestMatchesScipyOnFixedData() throws {
        let samples: [([Double], [Double])] = [
            ([0.5371, 0.5402, 0.5388, 0.5359, 0.5410], [0.5479, 0.5493, 0.5501, 0.5466, 0.5489]),
            ([1, 2, 3], [2, 3, 5]),
            ([10.1, 9.8, 10.4, 10.0], [10.2, 9.9, 10.3, 10.1, 10.0, 9.7, 10.5]),
        ]
        let pairs = samples.map { "(\($0.0), \($0.1))" }.joined(separator: ", ")
        let expected = try #require(
            try Self.scipy(
                "out = []\nfor a, b in [\(pairs)]:\n    r = stats.ttest_ind(b, a, equal_var=False)\n    ci = r.confidence_interval(0.95)\n"
                    + "    out.append([r.statistic, r.df, r.pvalue, ci.low, ci.high])\nprint(json.dumps(out))") as? [[Double]])
        for ((a, b), values) in zip(samples, expected) {
            let comparison = MetricComparison(baseline: try #require(SeedStatistics(a)), candidate: try #require(SeedStatistics(b)))
            guard case .success(let welch) = comparison.test else {
                Issue.record("no test for \(a) vs \(b)")
                continue
            }
            let ours = [welch.t, welch.degreesOfFreedom, welch.p, welch.interval.lowerBound, welch.interval.upperBound]
            for (mine, theirs) in zip(ours, values) {
                #expect(abs(mine - theirs) <= 1e-9 * max(1, abs(theirs)), "\(a) vs \(b): \(ours) vs scipy's \(values)")
            }
        }
    }

    @Test func aSideWithOneRunOrNoSpreadIsNotATestAndNeverSignificant() throws {
        let single = MetricComparison(baseline: try #require(SeedStatistics([0.5])), candidate: try #require(SeedStatistics([0.6, 0.61, 0.62])))
        #expect(single.test == .failure(.singleRun) && !single.significant)
        #expect(single.summary == "one run on a side, no spread: not a test")
        let flat = MetricComparison(baseline: try #require(SeedStatistics([1, 1])), candidate: try #require(SeedStatistics([2, 2])))
        #expect(flat.test == .failure(.noSpread) && !flat.significant)
        let broken = MetricComparison(baseline: try #require(SeedStatistics([.nan, 1])), candidate: try #require(SeedStatistics([2, 3])))
        #expect(broken.test == .failure(.notFinite) && broken.summary.contains("not finite"))
        let infinite = MetricComparison(baseline: try #require(SeedStatistics([.infinity, 1])), candidate: try #require(SeedStatistics([2, 3])))
        #expect(infinite.test == .failure(.notFinite))
    }
}
