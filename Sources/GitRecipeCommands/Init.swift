import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe init [--template T] [--ci FORGE] [--force]`: a starter project in the current repository.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scaffold .recipes/ with a recipe, a component and example code.",
            discussion: "Also adds the outputs to .gitignore, sets notes.recipes.mergeStrategy=union and notes.rewriteRef, and installs "
                + "the pre-commit hook (--no-hooks skips it). Files that exist and differ are never overwritten without --force."
        )

        /// The template to scaffold.
        @Option(help: "The starter project: \(Template.names.joined(separator: ", ")) (default: minimal, in a project without .recipes/).")
        var template: String?

        /// Adopt an existing project: keep its files, add only what is missing.
        @Flag(help: "Configure an existing project (settings, hooks, notes) and write no template code nor .gitignore lines.")
        var adopt = false

        /// Overwrite files the template would write.
        @Flag(help: "Overwrite files that exist and differ from the template.")
        var force = false

        /// Do not install the hooks.
        @Flag(help: "Do not install the pre-commit hook.")
        var noHooks = false

        /// Also write a CI workflow for this forge.
        @Option(help: "Also add a CI job that verifies pull requests and posts the diff of their runs: \(Template.ciNames.joined(separator: ", ")).")
        var ci: String?

        /// Refuses options that contradict each other.
        func validate() throws {
            if adopt && template != nil { throw ValidationError("--adopt writes no template code; leave out --template") }
        }

        /// Scaffolds the template (or adopts the project), then installs the hooks unless told not to.
        func run() throws {
            let repository = try Repository.discover()
            if adopt {
                let result = try repository.adopt()
                for path in result.written { print("wrote \(path)") }
                print("configured notes: union merges, carried by rebase and amend (notes.rewriteRef), fetched by git fetch")
            }
            // A project that has recipes gets a template only when it asks for one: `init --ci`
            // in an initialised project adds the CI job and touches nothing else.
            let initialised = FileManager.default.fileExists(atPath: "\(repository.workTree)/.recipes")
            let project = template ?? (adopt || (initialised && ci != nil) ? nil : "minimal")
            for template in try (project.map { [try Template(named: $0)] } ?? []) + (ci.map { [try Template(ci: $0)] } ?? []) {
                let result = try repository.scaffold(template, force: force)
                for path in result.written { print("wrote \(path)") }
                for entry in result.keptRules {
                    print("left '\(entry)' out of .gitignore: it would hide paths your own rules (!…) keep; ignore the outputs more narrowly")
                }
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
