import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe merge-driver %O %A %B %P`: git's merge driver for `.recipes/*.lock`.
    struct MergeDriver: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge-driver",
            abstract: "Merge two versions of a recipe's lock entry by entry (git runs it for .recipes/*.lock).",
            discussion: "init registers it: merge.recipe-lock.driver = git recipe merge-driver %O %A %B %P, with "
                + "'.recipes/*.lock merge=recipe-lock' in .gitattributes. An entry only one branch changed takes that change; one "
                + "both changed differently is a conflict (exit 1): the lock is left naming each such entry, and every command "
                + "that reads it says to run git recipe lock RECIPE."
        )

        @Argument(help: "The common ancestor's version (%O).")
        var base: String

        @Argument(help: "Our version (%A); the merge is written here.")
        var ours: String

        @Argument(help: "Their version (%B).")
        var theirs: String

        @Argument(help: "The lock's path in the repository (%P).")
        var path: String

        func run() throws {
            let read = { (file: String) in FileManager.default.contents(atPath: file).map { String(decoding: $0, as: UTF8.self) } ?? "" }
            let recipe = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            let merge = LockMerge(base: read(base), ours: read(ours), theirs: read(theirs), file: path, recipe: recipe)
            var transaction = FileTransaction()
            transaction.write(Data(merge.text.utf8), to: URL(fileURLWithPath: ours))
            try transaction.commit()
            guard merge.conflicts.isEmpty else { throw LockConflict(file: path, recipe: recipe, conflicts: merge.conflicts) }
        }
    }
}

/// Both branches pinned some entries of a lock differently.
struct LockConflict: RecipeError {
    let file: String
    let recipe: String
    let conflicts: [LockMerge.Conflict]
    /// Exit 1: git leaves the lock conflicted.
    var exitStatus: ExitStatus { .checkFailed }
    var description: String {
        "\(file): both branches pinned \(conflicts.map(\.entry).joined(separator: ", ")) differently; "
            + "once the recipe and data are merged, run: git recipe lock \(recipe) && git add \(file)"
    }
}
