import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe pull [REMOTE]` and `git recipe pull --artifacts [STORE] [RUN…]`.
    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch a remote's run records and merge them into yours (a union by run id).",
            discussion: """
                The remote's notes are kept in refs/notes/remotes/REMOTE/recipes; yours move by compare-and-swap.
                With --artifacts, the outputs' bytes come instead: the objects the named runs (default: every run on HEAD's \
                history) need and this clone lacks, from the artifact store STORE (default: the only one), each verified \
                before it is kept; then git recipe checkout RUN restores them. Exit status: 0 done, 1 a transfer failed \
                (rerun to resume), 2 invalid input.
                """
        )

        /// The remote to pull run records from, or with `--artifacts` the store.
        @Argument(help: "The remote (default: the current branch's, else origin); with --artifacts, the store.")
        var remote: String?

        /// With `--artifacts`: the runs whose objects to pull.
        @Argument(help: "With --artifacts: runs, sweeps or REV[:RECIPE] whose outputs to pull (default: every run on HEAD's history).")
        var runs: [String] = []

        /// Pull the runs' output objects from an artifact store instead of run records.
        @Flag(help: "Pull the runs' outputs from an artifact store instead of run records.")
        var artifacts = false

        /// Fetches the remote's run records and merges them into ours; or pulls artifacts.
        func run() throws {
            if artifacts { return try Push.transfer(pushing: false, store: remote, runs: runs) }
            guard runs.isEmpty else { throw ValidationError("runs are named only with --artifacts: git recipe pull --artifacts STORE RUN…") }
            let sync = try Push.sync(with: remote)
            let merged = try sync.pull()
            Push.warnAboutConflicts(merged, with: sync.remote)
            print(
                merged.added == 0 && merged.signatures == 0
                    ? "run records up to date with \(sync.remote)" : "merged \(Push.count(merged)) from \(sync.remote)")
        }
    }
}
