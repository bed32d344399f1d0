import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe cancel [RUN…]`: cancels batch jobs nobody will record.
    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel the Slurm jobs of runs whose git recipe run was killed (or of the runs named).",
            discussion: """
                A run keeps the jobs it queued in .git/recipes/runs/RUN/slurm-jobs until they end. With no RUN, the jobs of \
                every run whose git recipe run process is gone are cancelled, and scratch worktrees such runs left are removed. \
                With RUN ids (or unique suffixes), those runs' jobs are cancelled even while their git recipe run waits: it \
                records them as cancelled.
                """
        )

        /// The runs whose jobs to cancel.
        @Argument(help: "Run ids or unique suffixes (default: every run whose git recipe run is gone).")
        var runs: [String] = []

        /// Cancels the jobs.
        func run() throws {
            let repository = try Repository.discover()
            let cluster = try SlurmCluster(settings: try Project.loadConfig(from: WorkingTreeFiles(root: repository.workTree)).slurm)
            guard !runs.isEmpty else {
                let (cancelled, worktrees) = QueuedJobs.cancelOrphaned(in: repository, on: cluster)
                for run in cancelled { print("cancelled \(Self.jobs(run)) of run \(run.run): its git recipe run is gone") }
                if worktrees > 0 { print("removed \(worktrees) scratch worktree\(worktrees == 1 ? "" : "s") such runs left") }
                if cancelled.isEmpty && worktrees == 0 { print("nothing to cancel: every run with queued jobs is still waiting for them") }
                return
            }
            let queued = QueuedJobs.all(in: repository)
            for name in runs {
                let matches = queued.filter { $0.run == name || $0.run.hasSuffix(name) }
                guard matches.count == 1 else {
                    throw ValidationError(
                        matches.isEmpty
                            ? "no run with queued jobs is named '\(name)'; runs with queued jobs: \(queued.map(\.run).joined(separator: ", "))"
                            : "'\(name)' names several runs: \(matches.map(\.run).joined(separator: ", ")); give more of the id")
                }
                matches[0].cancel(on: cluster)
                print("cancelled \(Self.jobs(matches[0])) of run \(matches[0].run)")
            }
        }

        /// `jobs 12, 13 (2 steps)`.
        static func jobs(_ run: QueuedJobs) -> String {
            let ids = run.jobs.values.sorted()
            return "job\(ids.count == 1 ? "" : "s") \(ids.joined(separator: ", "))"
        }
    }
}
