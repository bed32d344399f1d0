import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe push [REMOTE]` and `git recipe push --artifacts [STORE] [RUN…]`.
    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Share run records: merge the remote's, then push refs/notes/recipes (never forced).",
            discussion: """
                Transport is your own git. A push rejected because someone else pushed meanwhile fetches, merges and retries.
                With --artifacts, the outputs' bytes go instead: the objects the named runs (default: every run on HEAD's \
                history) need, to the artifact store STORE (git config recipe.store.STORE.url; default: the only one), \
                skipping what it holds. Exit status: 0 done, 1 a transfer failed (rerun to resume), 2 invalid input.
                """
        )

        /// The remote to push run records to, or with `--artifacts` the store.
        @Argument(help: "The remote (default: the current branch's, else origin); with --artifacts, the store.")
        var remote: String?

        /// With `--artifacts`: the runs whose objects to push.
        @Argument(help: "With --artifacts: runs, sweeps or REV[:RECIPE] whose outputs to push (default: every run on HEAD's history).")
        var runs: [String] = []

        /// Push the runs' output objects to an artifact store instead of run records.
        @Flag(help: "Push the runs' outputs to an artifact store instead of run records.")
        var artifacts = false

        /// Merges the remote's run records, then pushes ours; or pushes artifacts.
        func run() throws {
            if artifacts { return try Self.transfer(pushing: true, store: remote, runs: runs) }
            guard runs.isEmpty else { throw ValidationError("runs are named only with --artifacts: git recipe push --artifacts STORE RUN…") }
            let sync = try Self.sync(with: remote)
            let (merged, pushed) = try sync.push()
            Self.warnAboutConflicts(merged, with: sync.remote)
            if merged.added > 0 || merged.signatures > 0 { print("merged \(Self.count(merged)) from \(sync.remote)") }
            print(pushed ? "pushed run records to \(sync.remote)" : "no run records to push yet; record one with git recipe run RECIPE")
        }

        /// Moves the objects `runs` need to (`pushing`) or from `store`, with a progress line
        /// on a terminal, and says what moved.
        static func transfer(pushing: Bool, store: String?, runs: [String]) throws {
            let sync = try ArtifactSync(repository: try Repository.discover(), store: store)
            let terminal = isatty(STDERR_FILENO) == 1
            let progress = TransferProgress { done, total, bytes in
                guard terminal else { return }
                Terminal.standardError.write("\rartifacts: \(done)/\(total) objects, \(ByteCount.text(bytes))\u{1B}[K")
            }
            let transfer = try pushing ? sync.push(runs, progress: progress) : sync.pull(runs, progress: progress)
            if terminal && transfer.objects > 0 { Terminal.standardError.write("\r\u{1B}[K") }
            if !transfer.incomplete.isEmpty {
                let side = pushing ? "this clone's store" : "store '\(sync.storeName)'"
                Terminal.warn([
                    "\(side) lacks some outputs of \(transfer.incomplete.count) run\(transfer.incomplete.count == 1 ? "" : "s") "
                        + "(dropped by gc, kept with artifacts.keep: none, or never pushed): "
                        + transfer.incomplete.prefix(5).joined(separator: ", ") + (transfer.incomplete.count > 5 ? ", …" : "")
                ])
            }
            let direction = pushing ? "pushed to" : "pulled from"
            print(
                "\(direction) store '\(sync.storeName)': \(transfer.objects) object\(transfer.objects == 1 ? "" : "s") (\(ByteCount.text(transfer.bytes))) "
                    + "for \(transfer.runs) run\(transfer.runs == 1 ? "" : "s"); \(transfer.present) already there")
        }

        /// Sharing with `remote`, else the current branch's remote, else origin.
        static func sync(with remote: String?) throws -> NotesSync {
            let repository = try Repository.discover()
            return NotesSync(repository: repository, remote: try remote ?? repository.defaultRemote())
        }

        /// Runs whose records differ between the two sides: kept as recorded here, and said.
        static func warnAboutConflicts(_ merge: NotesSync.Merge, with remote: String) {
            guard !merge.conflicts.isEmpty else { return }
            let runs = merge.conflicts.count == 1 ? "run is" : "\(merge.conflicts.count) runs are"
            Terminal.warn([
                "\(runs) recorded differently in '\(remote)'; kept as recorded here "
                    + "(compare: git recipe show RUN, and the remote's copy in refs/notes/remotes):"
                    + merge.conflicts.map { "\n  \($0)" }.joined()
            ])
        }

        /// `N runs on M commits`, and the signatures when there are any, with the right plurals.
        static func count(_ merge: NotesSync.Merge) -> String {
            "\(merge.added) run\(merge.added == 1 ? "" : "s") on \(merge.commits) commit\(merge.commits == 1 ? "" : "s")"
                + (merge.signatures == 0 ? "" : " and \(merge.signatures) signature\(merge.signatures == 1 ? "" : "s")")
        }
    }
}
