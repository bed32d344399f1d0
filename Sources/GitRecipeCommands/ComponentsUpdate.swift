import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand.Components {
    /// `git recipe components update SOURCE [--rev REV]`: pins a source to another commit and relocks.
    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin a component source to the commit a branch, tag or commit names, and relock the recipes that use it.",
            discussion: """
                Fetches REV (default: the source's HEAD) with your own git, checks that every recipe still validates \
                with the components at that commit, writes the commit as rev: in .recipes/config.yaml (a branch or tag is \
                never written: it moves), then relocks every recipe that uses the source. Commit the settings file and the \
                locks together.
                """
        )

        /// The source to move.
        @Argument(help: "The component source, as named under components: in .recipes/config.yaml.")
        var source: String

        /// What to move it to.
        @Option(help: "A branch, tag or commit of the source (default: its HEAD).")
        var rev: String?

        /// Fetches, rewrites the pin, relocks, and says what changed.
        func run() throws {
            let repository = try Repository.discover()
            let update = try ComponentSources(repository: repository).update(source, to: rev)
            let old = ObjectID(hex: update.previous).map { String($0.description.prefix(12)) } ?? update.previous
            let new = String(update.commit.description.prefix(12))
            print("\(source): \(old) → \(new)\(rev.map { " (\($0))" } ?? "")")
            // What a lock pins must not vary run to run: writing one runs each probe twice.
            let session = try LockSession(recipes: [], probes: .checkedTwice)
            defer { session.end() }
            let users = session.project.pipelines.filter { pipeline in pipeline.steps.contains { $0.pinned?.source.name == source } }
            let locks = try session.locker.locks(users)
            for (pipeline, lock) in zip(users, locks) where try session.locker.write(lock, for: pipeline.recipe.name) {
                print("\(pipeline.recipe.name): wrote \(Lockfile.path(for: pipeline.recipe.name))")
            }
            try session.finish()
        }
    }
}
