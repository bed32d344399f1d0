import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe reproduce RUN`: re-run a recorded run at its commit and judge the result.
    struct Reproduce: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-run a recorded run at its commit in a temporary worktree and say whether it reproduces.",
            discussion: """
                RUN is named as for show and must name one succeeded run. The run's commit is checked out in a \
                temporary linked worktree (your checkout is not touched); data git does not track is hard-linked \
                (or copied) from this checkout and must hash to what the run used. The same params and seed are \
                used. Verdict: exact (every output byte-identical), within-tolerance (outputs differ, every metric \
                within the recipe's tolerance; a metric without one must be equal), or diverged. The reproduction \
                is recorded as a run with reproduces and verdict.
                Exit status: 0 exact or within-tolerance, 1 diverged or refused, 2 invalid input, 3 a step failed, \
                130 interrupted.
                """
        )

        /// The run to reproduce.
        @Argument(help: "The run to reproduce.")
        var name: String

        /// Where its steps run.
        @Option(help: ArgumentHelp(ExecutorHelp.text))
        var executor: String?

        /// Keep the temporary worktree for inspection.
        @Flag(help: "Keep the temporary worktree, with the reproduction's outputs, and print where it is.")
        var keep = false

        /// Reproduces the run and prints the verdict; a diverged one exits 1.
        func run() throws {
            let repository = try Repository.discover()
            let runs = try RunHistory(repository: repository).select(name).runs
            guard runs.count == 1 else { throw ReproduceError.several(name: name, runs: runs.map(\.id)) }
            let original = runs[0]
            let outcome = try Reproducer(repository: repository).reproduce(
                original, keep: keep, executor: executor, announce: { Terminal.standardError.write("\($0)\n") }, events: Terminal.show)
            let run = "run \(outcome.id) on \(original.commit.prefix(12)); see it: git recipe show \(outcome.id)"
            switch outcome.status {
            case .cancelled:
                throw RunEnded(status: .interrupted, message: "interrupted: the reproduction is recorded as cancelled, as \(run)")
            case .failed:
                throw RunEnded(status: .stepFailed, message: "a step failed, so there is no verdict; the reproduction is recorded as \(run)")
            case .succeeded:
                break
            }
            guard let verdict = outcome.verdict else { return }
            print("verdict: \(verdict.tier.rawValue) — " + Self.summary(verdict, of: original.id))
            for line in verdict.lines { print("  \(line)") }
            print("recorded as \(run)")
            if verdict.tier == .diverged {
                throw RunEnded(status: .checkFailed, message: "run \(original.id) did not reproduce (verdict: diverged)")
            }
        }

        /// What the verdict means, in one clause.
        static func summary(_ verdict: Verdict, of run: String) -> String {
            switch verdict.tier {
            case .exact: "every output and metric is identical to run \(run)'s"
            case .withinTolerance: "outputs differ from run \(run)'s, every metric is within the recipe's tolerance"
            case .diverged: "the results differ from run \(run)'s beyond the recipe's tolerance"
            }
        }
    }
}
