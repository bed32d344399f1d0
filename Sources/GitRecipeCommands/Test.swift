import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe test [COMPONENT…]`: runs components' tests.
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the tests components declare (tests: in .recipes/components/NAME.yaml).",
            discussion: """
                Each test runs the component's command in a scratch directory under .git/recipes/tests, with its fixtures \
                bound to the inputs and its params set; it passes when the command exits 0, every contract of the \
                component's ports holds and every bounded metric is within bounds. Nothing is recorded. Exit 1 when a \
                test fails; a failed test's directory is kept, its log named.
                """
        )

        /// The components whose tests to run; all with tests when none.
        @Argument(help: "Components to test (default: every component that has tests).")
        var components: [String] = []

        /// Runs the tests and reports each.
        func run() throws {
            let repository = try Repository.discover()
            _ = try Components.Fetch.fetchMissing(in: repository)
            let project = try Project.load(from: WorkingTreeFiles(root: repository.workTree))
            let testing = ComponentTesting(repository: repository, project: project)
            if components.isEmpty, testing.tested.isEmpty {
                print("no component declares tests (tests: in .recipes/components/NAME.yaml)")
                return
            }
            let outcomes = try testing.run(components) { outcome in
                let seconds = String(format: "%.1f s", outcome.seconds)
                if let problem = outcome.problem {
                    print("FAIL \(outcome.name) (\(seconds)): \(problem)" + (outcome.log.map { "\n     log: \($0)" } ?? ""))
                } else {
                    print("ok   \(outcome.name) (\(seconds))")
                }
            }
            let failed = outcomes.filter { $0.problem != nil }.count
            print("\(outcomes.count - failed) passed, \(failed) failed")
            if failed > 0 {
                throw VerifyFailed(problems: ["\(failed) component test\(failed == 1 ? "" : "s") failed"])
            }
        }
    }
}
