import ArgumentParser
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe validate [RECIPE…]`: every problem in every file at once, like a compiler.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check recipes, components and their contracts.",
            discussion: "Prints each problem as path:line:col: error: message. Exits 0 when all is well, 2 otherwise."
        )

        /// The recipes to validate; every recipe when none.
        @Argument(help: "Recipes to check (default: all in .recipes/).")
        var recipes: [String] = []

        /// Loads and validates the recipes; every problem is reported, and any error exits 2.
        func run() throws {
            let repository = try Repository.discover()
            let project = try Project.load(from: WorkingTreeFiles(root: repository.workTree), recipes: recipes)
            Terminal.standardError.write(project.warnings.map { "\($0)\n" }.joined())
            for pipeline in project.pipelines {
                print("\(pipeline.recipe.name): ok (\(pipeline.steps.count) step\(pipeline.steps.count == 1 ? "" : "s"))")
            }
        }
    }
}
