import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe logs RUN [STEP]`: what a run's steps printed.
    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the captured output of a run's steps.",
            discussion: "RUN is named as for show: a run id or a unique suffix, a sweep id, REV or REV:RECIPE (every run it names), "
                + "or a unique part of an id. Logs are kept in .git/recipes/runs/ on the machine that ran."
        )

        /// The run whose logs to print.
        @Argument(help: "The run: its id or a unique part of it, a sweep, REV or REV:RECIPE.")
        var runName: String

        /// Only this step's log.
        @Argument(help: "Only this step (default: every step, in order).")
        var step: String?

        /// Prints the run's step logs, each under its step's name.
        func run() throws {
            let repository = try Repository.discover()
            // Any name show takes; else part of the id of a run on this machine (one whose
            // record is elsewhere, or that was never recorded).
            let named = (try? RunHistory(repository: repository).select(runName).runs.map(\.id)) ?? [runName]
            let runs = try named.map { try RunLogs(repository: repository, run: $0) }
            for logs in runs {
                let header = runs.count > 1 ? "\(logs.id) " : ""
                if let step {
                    if runs.count > 1 { print("==> \(header)\(step) <==") }
                    print(try logs.text(of: step), terminator: "")
                } else {
                    for step in logs.steps {
                        print("==> \(header)\(step) <==")
                        print(try logs.text(of: step), terminator: "")
                    }
                }
            }
        }
    }
}
