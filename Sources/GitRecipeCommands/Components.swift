import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe components`: the catalog of the project's components, and its pinned sources.
    struct Components: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the components, or fetch and update the component sources pinned in .recipes/config.yaml.",
            subcommands: [Catalog.self, Fetch.self, Update.self],
            defaultSubcommand: Catalog.self
        )
    }
}

extension GitRecipeCommand.Components {
    /// `git recipe components [--format …]`: the catalog.
    struct Catalog: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the components: what each does and why, its ports and their contracts, params, tests, source, and who uses it.",
            discussion: "--format markdown gives the page a group publishes as its components' documentation."
        )

        /// How to print: text, markdown or json.
        @Option(help: "text, markdown or json.")
        var format = ReviewFormat.text

        /// Loads the project and prints its catalog.
        func run() throws {
            let repository = try Repository.discover()
            let catalog = ComponentCatalog(try Project.load(from: WorkingTreeFiles(root: repository.workTree)))
            if catalog.isEmpty, format == .text {
                print("no components (.recipes/components/NAME.yaml, or a source pinned under components: in .recipes/config.yaml)")
                return
            }
            switch format {
            case .text: print(catalog.text(), terminator: "")
            case .markdown: print(catalog.markdown(), terminator: "")
            case .json: print(catalog.json(), terminator: "")
            }
        }
    }
}
