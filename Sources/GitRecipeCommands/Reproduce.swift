import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe reproduce RUN`: re-run a recorded run at its commit and judge the result.
    struct Reproduce: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-run a recorded run at its commit in a temporary worktree and say whether it reproduces.",
            discussion: """
                RUN is named as for show: one succeeded run, or a sweep (every seed is reproduced, one after another). \
                The run's commit is checked out in a \
                temporary linked worktree (your checkout is not touched); data git does not track is hard-linked \
                (or copied) from this checkout and must hash to what the run used. The same params and seed are \
                used. Verdict: exact (every output byte-identical), within-tolerance (outputs differ, every metric \
                within the recipe's tolerance; a metric without one must be equal), or diverged. The reproduction \
                is recorded as a run with reproduces and verdict. A sweep gets a tier: exact (every seed exact), \
                equivalent (for every metric, two one-sided Welch tests put the reproduced mean within the recipe's \
                tolerance of the original's: the difference's 90% interval lies inside ±tolerance), or diverged.
                Exit status: 0 exact, within-tolerance or equivalent, 1 diverged or refused, 2 invalid input, \
                3 a step failed, 130 interrupted.
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

        /// Reproduces the run (or every seed of the sweep) and prints the verdict; a diverged
        /// one exits 1.
        func run() throws {
            let repository = try Repository.discover()
            let runs = try RunHistory(repository: repository).select(name).runs
            if runs.count > 1, let sweep = runs[0].sweep, runs.allSatisfy({ $0.sweep == sweep }) {
                return try reproduce(sweep: sweep, runs.sortedBySeed(), in: repository)
            }
            guard runs.count == 1 else { throw ReproduceError.several(name: name, runs: runs.map(\.id)) }
            if let verdict = try reproduce(runs[0], in: repository), verdict.tier == .diverged {
                throw RunEnded(status: .checkFailed, message: "run \(runs[0].id) did not reproduce (verdict: diverged)")
            }
        }

        /// Reproduces every seed of `sweep`, then gives the sweep's tier.
        func reproduce(sweep: String, _ runs: [RunRecord], in repository: Repository) throws {
            var reproductions: [(seed: Int, verdict: Verdict?, metrics: [String: Double])] = []
            for run in runs {
                do {
                    let verdict = try reproduce(run, in: repository)
                    reproductions.append(
                        (
                            run.seed ?? 0, verdict,
                            verdict.map { Dictionary(uniqueKeysWithValues: $0.metrics.compactMap { m in m.reproduction.map { (m.name, $0) } }) }
                                ?? [:]
                        ))
                } catch let ended as RunEnded where ended.status == .stepFailed {
                    Terminal.standardError.write("error: \(ended.message)\n")
                    reproductions.append((run.seed ?? 0, nil, [:]))
                }
            }
            let tolerance =
                reproductions.lazy.compactMap(\.verdict).first.map { Dictionary(uniqueKeysWithValues: $0.metrics.map { ($0.name, $0.tolerance) }) }
                ?? [:]
            let result = SweepReproduction(original: runs, reproductions: reproductions, tolerance: tolerance)
            print("\nsweep \(sweep) (\(runs.count) seeds): \(result.tier.rawValue)")
            for line in result.lines { print("  \(line)") }
            if result.tier == .diverged {
                throw RunEnded(status: .checkFailed, message: "sweep \(sweep) did not reproduce (tier: diverged)")
            }
        }

        /// Reproduces one run and prints its verdict, which it returns (`nil`: no verdict).
        func reproduce(_ original: RunRecord, in repository: Repository) throws -> Verdict? {
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
            guard let verdict = outcome.verdict else { return nil }
            print("verdict: \(verdict.tier.rawValue) — " + Self.summary(verdict, of: original.id))
            for line in verdict.lines { print("  \(line)") }
            print("recorded as \(run)")
            return verdict
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
