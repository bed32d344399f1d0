import Foundation
import TestSupport
import Testing

/// `claims:` in a recipe, judged by `verify --claims` from the recorded sweeps.
@Suite("Claims")
struct ClaimTests {
    /// The score is the `level` param plus 0.01 per seed: a sweep has a spread.
    static let script = """
        [ "$RECIPE_PARAM_LEVEL" != 9 ] || exit 9
        mkdir -p out
        echo "{\\"score\\": $(awk "BEGIN { print $RECIPE_PARAM_LEVEL + $RECIPE_SEED * 0.01 }")}" > out/metrics.json

        """

    static func recipe(level: Int, claims: String = "") -> String {
        """
        version: 1
        seed: 1
        params: {level: \(level)}
        steps:
          score:
            run: sh score.sh
            inputs: [score.sh]
            outputs: [out/]
            metrics: [out/metrics.json]
        \(claims)
        """
    }

    /// Commits `recipe` with a fresh lock and records a three-seed sweep of it.
    static func commitAndSweep(_ repo: TemporaryGitRepository, _ recipe: String) throws {
        try repo.write(".recipes/r.yaml", recipe)
        let lock = try repo.recipe("lock")
        guard lock.status == 0 else { throw CommandFailure(command: "git recipe lock", result: lock) }
        try repo.commitAll("recipe")
        let sweep = try repo.recipe("run", "r", "--seeds", "0..2")
        guard sweep.status == 0 else { throw CommandFailure(command: "git recipe run", result: sweep) }
    }

    @Test func aClaimTheSweepsSupportPassesAndOneTheyDoNotFailsTheGate() throws {
        let repo = try RunCommandTests.project(Self.recipe(level: 1), files: ["score.sh": Self.script])
        #expect(try repo.recipe("run", "r", "--seeds", "0..2").status == 0)
        try repo.git("checkout", "-q", "-b", "feature")
        try Self.commitAndSweep(repo, Self.recipe(level: 2, claims: "claims:\n  better: {metric: score, higher_than: main, by: 0.5}\n"))

        let supported = try repo.recipe("verify", "--claims")
        #expect(supported.status == 0, "\(supported)")
        #expect(
            supported.stdout.contains(
                "r: claim 'better' (score higher than main by more than 0.5): supported: score 2.01 ± 0.01 against 1.01 ± 0.01, Δ 1"), "\(supported)")
        #expect(supported.stdout.contains("95% CI [") && supported.stdout.contains("sweep "), "\(supported)")
        #expect(supported.stdout.contains("1 claim supported"), "\(supported)")

        try Self.commitAndSweep(
            repo,
            Self.recipe(
                level: 2,
                claims: """
                    claims:
                      better: {metric: score, higher_than: main, by: 0.5}
                      much: {metric: score, higher_than: main, by: 5}
                      ghost: {metric: loss, lower_than: main}
                      nowhere: {metric: score, higher_than: no-such-branch}

                    """))
        let refused = try repo.recipe("verify", "--claims")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout.contains("claim 'better'") && refused.stdout.contains(": supported"), "\(refused)")
        #expect(refused.stderr.contains("error: r: claim 'much' (score higher than main by more than 5): not supported: score 2.01"), "\(refused)")
        #expect(refused.stderr.contains("claim 'ghost' (loss lower than main): not supported: metric 'loss' is not recorded"), "\(refused)")
        #expect(
            refused.stderr.contains("claim 'nowhere' (score higher than no-such-branch): not supported: no run of r is recorded at no-such-branch"),
            "\(refused)")
        #expect(try repo.recipe("verify").status == 0, "without --claims, claims are not judged")
    }

    @Test func aClaimAgainstASingleRunIsNotATest() throws {
        let repo = try RunCommandTests.project(Self.recipe(level: 1), files: ["score.sh": Self.script])
        #expect(try repo.recipe("run", "r").status == 0)
        try repo.git("checkout", "-q", "-b", "feature")
        try Self.commitAndSweep(repo, Self.recipe(level: 2, claims: "claims:\n  better: {metric: score, higher_than: main}\n"))
        let result = try repo.recipe("verify", "--claims")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("not supported: one run on a side, no spread: not a test"), "\(result)")
    }

    @Test func aMalformedClaimIsAValidationErrorWithItsPlace() throws {
        let repo = try RunCommandTests.project(Self.recipe(level: 1), files: ["score.sh": Self.script])
        try repo.write(
            ".recipes/r.yaml",
            Self.recipe(
                level: 1,
                claims:
                    "claims:\n  both: {metric: score, higher_than: main, lower_than: main}\n  odd: {metric: score, higher_than: main, confidence: 95}\n"
            ))
        let result = try repo.recipe("validate")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains(".recipes/r.yaml:11:9: error: claim 'both' needs exactly one of higher_than or lower_than"), "\(result)")
        #expect(result.stderr.contains(".recipes/r.yaml:12:55: error: confidence of claim 'odd' must be between 0 and 1"), "\(result)")
    }

    @Test func theReportJudgesTheClaimsAndListsTheNegativeResults() throws {
        let repo = try RunCommandTests.project(Self.recipe(level: 1), files: ["score.sh": Self.script])
        #expect(try repo.recipe("run", "r", "--seeds", "0..2").status == 0)
        try repo.git("checkout", "-q", "-b", "feature")
        try Self.commitAndSweep(
            repo,
            Self.recipe(
                level: 2,
                claims: "claims:\n  better: {metric: score, higher_than: main, by: 0.5}\n  '<b>much</b>': {metric: score, higher_than: main, by: 5}\n"
            ))
        #expect(try repo.recipe("run", "r", "-p", "level=9").status == 3, "a failed run: a negative result")
        let report = try repo.recipe("report", "HEAD:r", "--format", "markdown")
        #expect(report.status == 0, "\(report)")
        #expect(report.stdout.contains("## Claims\n"), "\(report.stdout)")
        #expect(report.stdout.contains("✅ **Supported.** claim 'better' (score higher than main by more than 0.5): supported"), "\(report.stdout)")
        #expect(report.stdout.contains("❌ **Not supported.** claim '"), "\(report.stdout)")
        #expect(!report.stdout.contains("<b>much</b>"), "a claim's name is text, never markup")
        #expect(report.stdout.contains("Negative results, reported with the claims: run `"), "\(report.stdout)")
        #expect(report.stdout.contains("(seed 1): failed"), "\(report.stdout)")
    }
}
