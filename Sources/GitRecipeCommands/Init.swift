import ArgumentParser
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe init [--template T] [--force]`: a starter project in the current repository.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scaffold .recipes/ with a recipe, a component and example code.",
            discussion: "Also adds the outputs to .gitignore, sets notes.recipes.mergeStrategy=union and installs "
                + "the pre-commit hook (--no-hooks skips it). Files that exist and differ are never overwritten without --force."
        )

        @Option(help: "The starter project: \(Template.names.joined(separator: ", ")).")
        var template = "minimal"

        @Flag(help: "Overwrite files that exist and differ from the template.")
        var force = false

        @Flag(help: "Do not install the pre-commit hook.")
        var noHooks = false

        func run() throws {
            let repository = try Repository.discover()
            let result = try repository.scaffold(Template(named: template), force: force)
            for path in result.written { print("wrote \(path)") }
            if result.written.isEmpty { print("nothing to do: the '\(template)' template is already in place") }
            if !noHooks {
                let installer = try HookInstaller(repository: repository)
                try report(installer.install(force: false), in: installer.directory)
            }
            print("next: git recipe lock && git add -A && git commit -m 'Add recipes'")
        }
    }
}
