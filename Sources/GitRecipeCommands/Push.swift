import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe push [REMOTE]`.
    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Share run records: merge the remote's, then push refs/notes/recipes (never forced).",
            discussion: "Transport is your own git. A push rejected because someone else pushed meanwhile fetches, merges and retries."
        )

        /// The remote to push run records to.
        @Argument(help: "The remote (default: the current branch's, else origin).")
        var remote: String?

        /// Merges the remote's run records, then pushes ours.
        func run() throws {
            let sync = try Self.sync(with: remote)
            let (merged, pushed) = try sync.push()
            Self.warnAboutConflicts(merged, with: sync.remote)
            if merged.added > 0 { print("merged \(Self.count(merged)) from \(sync.remote)") }
            print(pushed ? "pushed run records to \(sync.remote)" : "no run records to push yet; record one with git recipe run RECIPE")
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

        /// `N run records`, with the right plural.
        static func count(_ merge: NotesSync.Merge) -> String {
            "\(merge.added) run\(merge.added == 1 ? "" : "s") on \(merge.commits) commit\(merge.commits == 1 ? "" : "s")"
        }
    }
}
