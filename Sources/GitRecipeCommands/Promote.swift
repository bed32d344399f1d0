import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe promote RUN`: makes the snapshot a run was made on a commit of the branch.
    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the snapshot a run was made on (run --snapshot) the tip of the current branch.",
            discussion: """
                Fast-forward only: the snapshot's parent must be HEAD. The branch moves to the snapshot's commit, so \
                the run's record stays attached; the index becomes the snapshot's tree; your files stay as they are, \
                but for the recipe's lock, which takes the snapshot's where you have not changed it. Refused while \
                something is staged.
                """
        )

        /// The run whose snapshot to promote.
        @Argument(help: "A run (or sweep) made with git recipe run --snapshot, named as for show.")
        var name: String

        /// Moves the branch to the run's snapshot.
        func run() throws {
            let repository = try Repository.discover()
            let history = try RunHistory(repository: repository)
            defer { Terminal.warn(history.warnings) }
            let runs = try history.select(name).runs
            let commits = Set(runs.map(\.attachedTo))
            guard let run = runs.first, commits.count == 1, let commit = commits.first else {
                throw ValidationError("'\(name)' names runs on \(commits.count) commits; name one run: git recipe log --snapshots")
            }
            try Snapshot.promote(commit, run: run.id, in: repository)
            print("promoted the snapshot of run \(run.id): HEAD is now at \(run.commit.prefix(12))")
        }
    }
}
