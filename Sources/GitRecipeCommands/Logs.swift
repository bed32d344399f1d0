import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe logs RUN [STEP]`: what a run's steps printed.
    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the captured output of a run's steps.",
            discussion: "RUN is a run id or a unique part of one. Logs are kept in .git/recipes/runs/ on the machine that ran."
        )

        @Argument(help: "The run: its id, or a unique part of it.")
        var runName: String

        @Argument(help: "Only this step (default: every step, in order).")
        var step: String?

        func run() throws {
            let repository = try Repository.discover()
            let logs = try RunLogs(repository: repository, run: runName)
            if let step {
                print(try logs.text(of: step), terminator: "")
            } else {
                for step in logs.steps {
                    print("==> \(step) <==")
                    print(try logs.text(of: step), terminator: "")
                }
            }
        }
    }
}
