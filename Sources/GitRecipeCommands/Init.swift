import ArgumentParser
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe init [--template T] [--ci FORGE] [--force]`: a starter project in the current repository.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scaffold .recipes/ with a recipe, a component and example code.",
            discussion: "Also adds the outputs to .gitignore, sets notes.recipes.mergeStrategy=union and notes.rewriteRef, and installs "
                + "the pre-commit hook (--no-hooks skips it). Files that exist and differ are never overwritten without --force."
        )

        @Option(help: "The starter project: \(Template.names.joined(separator: ", ")).")
        var template = "minimal"

        @Flag(help: "Overwrite files that exist and differ from the template.")
        var force = false

        @Flag(help: "Do not install the pre-commit hook.")
        var noHooks = false

        @Option(help: "Also add a CI job that verifies pull requests and posts the diff of their runs: \(Template.ciNames.joined(separator: ", ")).")
        var ci: String?

        func run() throws {
            let repository = try Repository.discover()
            for template in try [Template(named: template)] + (ci.map { [try Template(ci: $0)] } ?? []) {
                let result = try repository.scaffold(template, force: force)
                for path in result.written { print("wrote \(path)") }
                if result.written.isEmpty { print("nothing to do: the '\(template.name)' template is already in place") }
            }
            if !noHooks {
                let installer = try HookInstaller(repository: repository)
                try report(installer.install(force: false), in: installer.directory)
            }
            print("next: git recipe lock && git add -A && git commit -m 'Add recipes'")
        }
    }
}
