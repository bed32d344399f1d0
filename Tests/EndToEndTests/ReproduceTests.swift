import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// `git recipe reproduce`: a recorded run re-run at its commit in a temporary worktree,
/// judged exact, within tolerance or diverged, and recorded.
@Suite("git recipe reproduce")
struct ReproduceTests {
    /// `NOISE` stands for what a run does not control (an unseeded generator, the clock):
    /// it changes the model's bytes and moves the score. `FAIL` and `SLOW` make the step
    /// fail or hang.
    static let recipe = """
        version: 1
        seed: 7
        params: {scale: 2}
        steps:
          fit:
            run: sh fit.sh {{params.scale}}
            inputs: [fit.sh, data/]
            outputs: [out/]
            metrics: [out/metrics.json]
        tolerance: {score: 0.5}

        """

    static let script = """
        set -e
        [ -z "$FAIL" ] || exit 4
        [ -z "$SLOW" ] || { echo started; sleep 30.25; }
        mkdir -p out
        rows=$(cat data/*.csv | wc -l)
        echo "rows=$rows scale=$1 seed=$RECIPE_SEED noise=${NOISE:-0}" > out/model.txt
        echo "{\\"score\\": $(awk "BEGIN { print $rows * $1 + ${NOISE:-0} }"), \\"rows\\": $rows}" > out/metrics.json

        """

    /// A locked project with a tracked script and ignored data, and one run of it with `-p scale=3`.
    static func projectWithRun() throws -> (repo: TemporaryGitRepository, run: String) {
        let repo = try RunCommandTests.project(recipe, files: ["fit.sh": script, "data/rows.csv": "1\n2\n3\n"], ignore: "out/\ndata/\n")
        let result = try repo.recipe("run", "r", "-p", "scale=3")
        guard result.status == 0 else { throw CommandFailure(command: "git recipe run", result: result) }
        return (repo, try runs(repo)[0].id)
    }

    static func runs(_ repo: TemporaryGitRepository, on revision: String = "HEAD") throws -> [(id: String, text: String)] {
        RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", revision)).documents
    }

    /// No worktree but the user's, and nothing left under .git/recipes/worktrees (or where
    /// earlier versions made them).
    static func expectNoScratchWorktree(_ repo: TemporaryGitRepository, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let worktrees = try repo.git("worktree", "list", "--porcelain").split(separator: "\n").filter { $0.hasPrefix("worktree ") }
        #expect(worktrees.count == 1, "\(worktrees)", sourceLocation: sourceLocation)
        for directory in ["worktrees", "reproduce"] {
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: "\(repo.path)/.git/recipes/\(directory)")) ?? []
            #expect(leftovers.isEmpty, "\(directory): \(leftovers)", sourceLocation: sourceLocation)
        }
    }

    @Test func aWorktreeAKilledProcessLeftIsRemovedByTheNextOne() throws {
        let (repo, original) = try Self.projectWithRun()
        // What a reproduction killed with SIGKILL leaves: a linked worktree named after a
        // process that no longer exists (999999), here and where earlier versions put them.
        for directory in ["worktrees", "reproduce"] {
            _ = try repo.git("worktree", "add", "--detach", "--quiet", "\(repo.path)/.git/recipes/\(directory)/999999-dead", "HEAD")
        }
        #expect(try repo.git("worktree", "list").split(separator: "\n").count == 3)
        let result = try repo.recipe("reproduce", original)
        #expect(result.status == 0, "\(result)")
        try Self.expectNoScratchWorktree(repo)
    }

    @Test func aReproductionsOutputsComeBackFromTheStoreAfterItsWorktreeIsGone() throws {
        let (repo, original) = try Self.projectWithRun()
        let result = try repo.recipe(["reproduce", original], environment: ["NOISE": "0.25"])
        #expect(result.status == 0, "within tolerance: \(result)")
        try Self.expectNoScratchWorktree(repo)
        let reproduction = try #require(try Self.runs(repo).map(\.id).first { $0 != original })
        let checkout = try repo.recipe("checkout", reproduction)
        #expect(checkout.status == 0, "\(checkout)")
        #expect(try repo.read("out/model.txt") == "rows=3 scale=3 seed=7 noise=0.25\n")
        #expect(try repo.recipe("checkout", original).status == 0)
        #expect(try repo.read("out/model.txt") == "rows=3 scale=3 seed=7 noise=0\n")
    }

    @Test func anUnchangedRunReproducesExactlyAndIsRecorded() throws {
        let (repo, original) = try Self.projectWithRun()
        let result = try repo.recipe("reproduce", original)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("verdict: exact — every output and metric is identical to run \(original)'s\n"), "\(result)")
        #expect(result.stderr.contains("brought 1 file git does not track from this checkout"), "\(result)")
        let runs = try Self.runs(repo)
        #expect(runs.count == 2)
        let reproduction = try #require(runs.first { $0.id != original }).text
        #expect(reproduction.contains("\nreproduces: \"\(original)\"\nverdict: exact\n"), "\(reproduction)")
        #expect(reproduction.contains("\noverrides:\n  scale: 3\n"), "the original's overrides are applied again")
        #expect(!reproduction.contains("differences:"))
        #expect(try repo.git("fsck", "--strict").isEmpty)
        #expect(try repo.git("log", "--notes=recipes", "-1", "--format=%N").contains("verdict: exact"))
        try Self.expectNoScratchWorktree(repo)
        var info = stat()
        #expect(stat("\(repo.path)/data/rows.csv", &info) == 0 && info.st_nlink == 1, "the hard link went with the worktree")
        // The user's checkout was not touched, and reviews show what the reproduction found.
        #expect(try repo.git("status", "--porcelain").isEmpty)
        #expect(try repo.recipe("log").stdout.contains("(reproduces \(original): exact)"))
    }

    @Test func outputsThatDifferWithMetricsWithinToleranceAreWithinTolerance() throws {
        let (repo, original) = try Self.projectWithRun()
        let result = try repo.recipe("reproduce", original, environment: ["NOISE": "0.25"])
        #expect(result.status == 0, "\(result)")
        #expect(
            result.stdout.contains(
                "verdict: within-tolerance — outputs differ from run \(original)'s, every metric is within the recipe's tolerance\n"), "\(result)")
        #expect(result.stdout.contains("  output out/: sha256:"))
        #expect(result.stdout.contains("  metric score: 9 in the run, 9.25 now (Δ 0.25, within tolerance 0.5)\n"), "\(result)")
        let reproduction = try #require(try Self.runs(repo).first { $0.id != original }).text
        #expect(reproduction.contains("verdict: within-tolerance\ndifferences:\n  outputs:\n    out/:\n      run: sha256:"), "\(reproduction)")
        #expect(reproduction.contains("  metrics:\n    score:\n      run: 9.0\n      reproduction: 9.25\n      tolerance: 0.5\n"), "\(reproduction)")
    }

    @Test func metricsBeyondToleranceHaveDiverged() throws {
        let (repo, original) = try Self.projectWithRun()
        let result = try repo.recipe("reproduce", original, environment: ["NOISE": "3"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("verdict: diverged — the results differ from run \(original)'s beyond the recipe's tolerance\n"), "\(result)")
        #expect(result.stdout.contains("  metric score: 9 in the run, 12 now (Δ 3, beyond tolerance 0.5)\n"), "\(result)")
        #expect(result.stderr.contains("error: run \(original) did not reproduce (verdict: diverged)"))
        #expect(try Self.runs(repo).contains { $0.text.contains("verdict: diverged") })
        try Self.expectNoScratchWorktree(repo)
    }

    @Test func changedUntrackedDataIsRefusedBeforeAnythingRuns() throws {
        let (repo, original) = try Self.projectWithRun()
        try repo.write("data/rows.csv", "1\n2\n4\n")
        let result = try repo.recipe("reproduce", original)
        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr.contains(
                "error: the data that run \(original) used has changed since, so it cannot be reproduced here:\n  input 'data/': sha256:"),
            "\(result)")
        #expect(result.stderr.contains("restore the data the run used (its digests: git recipe show \(original))"))
        #expect(try Self.runs(repo).count == 1, "nothing was recorded")
        #expect(try repo.read("data/rows.csv") == "1\n2\n4\n")
        try Self.expectNoScratchWorktree(repo)
    }

    @Test func aRunFromAnOlderCommitReproducesThereWhileTheCheckoutStaysPut() throws {
        let (repo, original) = try Self.projectWithRun()
        let commit = try repo.git("rev-parse", "HEAD")
        try repo.write("fit.sh", Self.script + "echo changed >> out/model.txt\n")
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("change the script")
        let result = try repo.recipe("reproduce", original)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("verdict: exact"))
        #expect(try Self.runs(repo, on: commit).count == 2, "recorded on the run's commit")
        #expect(try repo.git("rev-parse", "HEAD") != commit)
        #expect(try repo.read("fit.sh").hasSuffix("echo changed >> out/model.txt\n"))
        #expect(try repo.git("status", "--porcelain").isEmpty)
    }

    @Test func aFailingReproductionIsRecordedWithoutAVerdictAndCleanedUp() throws {
        let (repo, original) = try Self.projectWithRun()
        let result = try repo.recipe("reproduce", original, environment: ["FAIL": "1"])
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("error: a step failed, so there is no verdict"), "\(result)")
        let reproduction = try #require(try Self.runs(repo).first { $0.id != original }).text
        #expect(reproduction.contains("status: failed"))
        #expect(reproduction.contains("reproduces: \"\(original)\"") && !reproduction.contains("verdict:"))
        try Self.expectNoScratchWorktree(repo)
        let failed = try Self.runs(repo).first { $0.id != original }!.id
        let again = try repo.recipe("reproduce", failed)
        #expect(again.status == 2)
        #expect(again.stderr.contains("error: run \(failed) failed; only a succeeded run has results to reproduce"))
    }

    @Test func ctrlCStopsTheReproductionAndRemovesTheWorktree() throws {
        let (repo, original) = try Self.projectWithRun()
        let result = try repo.interrupt(["reproduce", original], environment: ["SLOW": "1"])
        #expect(result.status == 130, "\(result)")
        #expect(try Self.runs(repo).contains { $0.text.contains("status: cancelled") && $0.text.contains("reproduces:") })
        try Self.expectNoScratchWorktree(repo)
        #expect(try run("pgrep", ["-f", "sleep 30.25"], in: "/", environment: repo.environment).stdout.isEmpty)
    }

    @Test func aNameForSeveralRunsListsThem() throws {
        let repo = try RunCommandTests.project(Self.recipe, files: ["fit.sh": Self.script, "data/rows.csv": "1\n"], ignore: "out/\ndata/\n")
        #expect(try repo.recipe("run", "r").status == 0)
        #expect(try repo.recipe("run", "r", "-p", "scale=3").status == 0)
        let result = try repo.recipe("reproduce", "HEAD")
        #expect(result.status == 2)
        #expect(result.stderr.contains("error: 'HEAD' names 2 runs; reproduce one of them:\n  git recipe reproduce "), "\(result)")
    }

    /// Each run adds noise from /dev/urandom scaled by `NOISE`: what a sweep's seeds do not
    /// control. `loose` accepts a score within 0.5, `strict` within 0.000001.
    static let noisy = """
        set -e
        mkdir -p out
        n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
        echo "$n" > out/model.txt
        echo "{\\"score\\": $(awk "BEGIN { print 9 + $n / 65535 * ${NOISE:-0} }")}" > out/metrics.json

        """

    static func noisyRecipe(tolerance: String) -> String {
        "version: 1\nseed: 1\nsteps:\n  fit:\n    run: sh noisy.sh\n    inputs: [noisy.sh]\n    outputs: [out/]\n"
            + "    metrics: [out/metrics.json]\ntolerance: {score: \(tolerance)}\n"
    }

    @Test func aSweepReproducesInTiersExactEquivalentOrDiverged() throws {
        let repo = try RunCommandTests.project(
            Self.noisyRecipe(tolerance: "0.5"), files: ["noisy.sh": Self.noisy, ".recipes/strict.yaml": Self.noisyRecipe(tolerance: "0.000001")])
        for recipe in ["r", "strict"] {
            let result = try repo.recipe(["run", recipe, "--seeds", "1..3"], environment: ["NOISE": "0.01"])
            #expect(result.status == 0, "\(result)")
        }
        // The model holds the random number, so no seed reproduces exactly; the scores move
        // by about 0.003.
        let equivalent = try repo.recipe(["reproduce", "HEAD:r"], environment: ["NOISE": "0.01"])
        #expect(equivalent.status == 0, "\(equivalent)")
        #expect(equivalent.stdout.contains(" (3 seeds): equivalent\n"), "\(equivalent)")
        #expect(equivalent.stdout.contains(", tolerance ±0.5: equivalent"), "\(equivalent)")
        #expect(equivalent.stdout.contains("90% CI ["), "\(equivalent)")

        let diverged = try repo.recipe(["reproduce", "HEAD:strict"], environment: ["NOISE": "0.01"])
        #expect(diverged.status == 1, "\(diverged)")
        #expect(diverged.stdout.contains(" (3 seeds): diverged\n"), "\(diverged)")
        #expect(diverged.stdout.contains(": not shown equivalent"), "\(diverged)")
        #expect(try Self.runs(repo).filter { $0.text.contains("reproduces: ") }.count == 6, "every seed's reproduction is recorded")
        try Self.expectNoScratchWorktree(repo)
    }

    @Test func aDeterministicSweepReproducesExactly() throws {
        let repo = try RunCommandTests.project(Self.recipe, files: ["fit.sh": Self.script, "data/rows.csv": "1\n2\n"], ignore: "out/\ndata/\n")
        let run = try repo.recipe("run", "r", "--seeds", "0..2")
        #expect(run.status == 0, "\(run)")
        let result = try repo.recipe("reproduce", "HEAD:r")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains(" (3 seeds): exact\n"), "\(result)")
    }
}
