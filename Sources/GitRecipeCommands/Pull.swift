import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe pull [REMOTE]`.
    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch a remote's run records and merge them into yours (a union by run id).",
            discussion: "The remote's notes are kept in refs/notes/remotes/REMOTE/recipes; yours move by compare-and-swap."
        )

        /// The remote to pull run records from.
        @Argument(help: "The remote (default: the current branch's, else origin).")
        var remote: String?

        /// Fetches the remote's run records and merges them into ours.
        func run() throws {
            let sync = try Push.sync(with: remote)
            let merged = try sync.pull()
            Push.warnAboutConflicts(merged, with: sync.remote)
            print(merged.added == 0 ? "run records up to date with \(sync.remote)" : "merged \(Push.count(merged)) from \(sync.remote)")
        }
    }
}
