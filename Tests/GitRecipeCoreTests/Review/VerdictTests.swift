import Testing

@testable import GitRecipeCore

/// The three tiers of `reproduce`, from digests and metrics alone.
@Suite struct VerdictTests {
    let run = (outputs: ["model.pkl": "sha256:aa", "report.json": "sha256:bb"], metrics: ["accuracy": 0.97, "loss": Double.nan])

    @Test func identicalOutputsAndMetricsAreExact() {
        let verdict = Verdict(run: run, reproduction: run, tolerance: [:])
        #expect(verdict.tier == .exact)
        #expect(verdict.outputs.isEmpty && verdict.metrics.isEmpty, "NaN equals NaN here: the same result")
    }

    @Test func differentBytesWithMetricsWithinToleranceAreWithinTolerance() {
        let now = (outputs: ["model.pkl": "sha256:cc", "report.json": "sha256:bb"], metrics: ["accuracy": 0.968, "loss": Double.nan])
        let verdict = Verdict(run: run, reproduction: now, tolerance: ["accuracy": 0.005])
        #expect(verdict.tier == .withinTolerance)
        #expect(verdict.outputs == [.init(path: "model.pkl", run: "sha256:aa", reproduction: "sha256:cc")])
        #expect(verdict.metrics.map(\.name) == ["accuracy"])
        #expect(
            Verdict(run: run, reproduction: (now.outputs, run.metrics), tolerance: [:]).tier == .withinTolerance,
            "equal metrics need no tolerance")
    }

    @Test func aMetricBeyondItsToleranceOrWithoutOneHasDiverged() {
        let now = (outputs: run.outputs, metrics: ["accuracy": 0.96, "loss": Double.nan])
        #expect(Verdict(run: run, reproduction: now, tolerance: ["accuracy": 0.005]).tier == .diverged)
        #expect(Verdict(run: run, reproduction: now, tolerance: [:]).tier == .diverged, "no tolerance declared: must be equal")
        #expect(Verdict(run: run, reproduction: now, tolerance: ["accuracy": 0.01]).tier == .withinTolerance, "the bound is inclusive")
    }

    @Test func aMissingOutputOrMetricIsADifference() {
        let missingMetric = Verdict(run: run, reproduction: (run.outputs, ["accuracy": 0.97]), tolerance: ["loss": 1])
        #expect(missingMetric.tier == .diverged)
        #expect(missingMetric.metrics.map(\.name) == ["loss"] && missingMetric.metrics[0].reproduction == nil)
        let missingOutput = Verdict(run: run, reproduction: (["model.pkl": "sha256:aa"], run.metrics), tolerance: [:])
        #expect(missingOutput.tier == .withinTolerance)
        #expect(missingOutput.lines == ["output report.json: sha256:bb in the run, absent now"])
    }
}
