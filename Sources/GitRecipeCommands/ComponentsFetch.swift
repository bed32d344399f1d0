import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand.Components {
    /// `git recipe components fetch [SOURCE…]`: fetches pinned commits not yet here.
    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch the pinned commits of component sources into .git/recipes/components.git.",
            discussion: """
                Fetches with your own git (credentials, SSH configuration and URL rewrites apply) only the commits not \
                fetched yet. lock, run and test fetch what they need themselves; validate, the hooks and verify never \
                reach the network and name this command when a commit is missing.
                """
        )

        /// The sources to fetch; all when none.
        @Argument(help: "Component sources to fetch (default: every one pinned in .recipes/config.yaml).")
        var sources: [String] = []

        /// Commits whose pins to fetch instead of the work tree's.
        @Option(name: .customLong("at"), help: "A revision or range (A..B, A...B): fetch what each of its commits pins, as verify over it needs.")
        var revisions: String?

        /// Fetches what is missing and says what it fetched.
        func run() throws {
            let repository = try Repository.discover()
            let fetched: Int
            if let revisions {
                guard let resolved = try repository.revisions(revisions) else { throw UnknownRevision(revisions) }
                let sources = ComponentSources(repository: repository)
                let pins = try sources.pins(of: resolved).filter { self.sources.isEmpty || self.sources.contains($0.name) }
                fetched = try sources.fetchMissing(pins, announce: Self.announce)
            } else {
                let config = try Project.loadConfig(from: WorkingTreeFiles(root: repository.workTree))
                fetched = try Self.fetchMissing(in: repository, config: config, named: sources)
            }
            print(fetched == 0 ? "every pinned component source is fetched" : "fetched \(fetched) component source\(fetched == 1 ? "" : "s")")
        }

        /// Says on stderr what is being fetched.
        private static func announce(_ line: String) {
            Terminal.standardError.write(line + "\n")
        }

        /// Fetches each pinned source (those named, or all) whose commit is not here, saying
        /// so on stderr; returns how many it fetched. Commands that need the sources call it
        /// before they load the project.
        static func fetchMissing(in repository: Repository, config: ProjectConfig? = nil, named names: [String] = []) throws -> Int {
            guard let config = try config ?? (try? Project.loadConfig(from: WorkingTreeFiles(root: repository.workTree))) else { return 0 }
            return try ComponentSources(repository: repository).fetchMissing(
                try ComponentSources.sources(of: config, named: names), announce: announce)
        }
    }
}
