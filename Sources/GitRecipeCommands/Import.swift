import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe import dvc [FILE]`: writes a recipe from another tool's pipeline.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a recipe from another tool's pipeline.",
            subcommands: [DVC.self]
        )
    }
}

extension GitRecipeCommand.Import {
    /// `git recipe import dvc [dvc.yaml]`.
    struct DVC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dvc",
            abstract: "Write .recipes/NAME.yaml from a DVC pipeline (dvc.yaml); DVC's files are only read.",
            discussion: """
                Stages become steps; deps, outs, metrics and plots become inputs, outputs, metrics and plots; the params \
                stages use become the recipe's params, read from their files; foreach and matrix stages become one step \
                per item; wdir becomes a cd. What has no counterpart (frozen, always_changed, persist, remote outs, \
                external deps) is reported at its line. Exit 1 when the recipe written does not validate yet.
                """
        )

        /// The pipeline file.
        @Argument(help: "The DVC pipeline (default: dvc.yaml at the repository root).")
        var file: String?

        /// The recipe's name.
        @Option(help: "The recipe's name: .recipes/NAME.yaml.")
        var name = "pipeline"

        /// Replace an existing recipe of that name.
        @Flag(help: "Replace .recipes/NAME.yaml if it exists.")
        var force = false

        /// Refuses a name that cannot be a recipe's.
        func validate() throws {
            guard name.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_-]*/) != nil else {
                throw ValidationError("'\(name)' cannot name a recipe; use letters, digits, _ and -")
            }
        }

        /// Translates the pipeline, writes the recipe, and validates it.
        func run() throws {
            let repository = try Repository.discover()
            let root = URL(fileURLWithPath: repository.workTree).standardizedFileURL.path
            let absolute = URL(fileURLWithPath: file ?? "\(root)/dvc.yaml").standardizedFileURL.path
            guard absolute.hasPrefix(root + "/") else {
                throw ValidationError("'\(file ?? "dvc.yaml")' is outside the repository (\(root))")
            }
            let source = String(absolute.dropFirst(root.count + 1))
            let files = WorkingTreeFiles(root: root)
            let imported = try DVCImport.translate(source, root: root, files: files)
            for note in imported.notes { Terminal.standardError.write("\(note)\n") }
            let target = "\(Project.directory)/\(name).yaml"
            if !force, FileManager.default.fileExists(atPath: "\(root)/\(target)") {
                throw ValidationError("\(target) exists; choose another name (--name NAME), or replace it (--force)")
            }
            var transaction = FileTransaction()
            transaction.write(Data(imported.recipe.utf8), to: URL(fileURLWithPath: "\(root)/\(target)"))
            try transaction.commit()
            print("wrote \(target) from \(source)")
            do {
                let project = try Project.load(from: files, recipes: [name])
                Terminal.standardError.write(project.warnings.map { "\($0)\n" }.joined())
                print("next: git recipe lock \(name) && git add .recipes && git commit, then: git recipe run \(name)")
            } catch let failure as ValidationFailure {
                throw ImportIncomplete(failure: failure, recipe: name)
            }
        }
    }
}
