import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe checkout RUN [PATH…]`: a recorded run's outputs, back from the store.
    struct Checkout: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a run's outputs into the work tree from the artifact store, verifying every digest.",
            discussion: """
                RUN is named as for show and must name one run. Every output (or those PATH names) is written \
                from .git/recipes/objects; an output that already holds what the run made is left alone. An output \
                that holds what no recorded run made is refused (it exists nowhere else) unless --force.
                Exit status: 0 restored, 1 refused or not in the store, 2 invalid input.
                """
        )

        /// The run whose outputs to restore.
        @Argument(help: "The run.")
        var name: String

        /// Only these outputs, or outputs holding these files.
        @Argument(help: "Outputs to restore; every output of the run when none.")
        var paths: [String] = []

        /// Replace outputs that hold what no recorded run made.
        @Flag(help: "Replace outputs that hold what no recorded run made.")
        var force = false

        /// Restores the outputs and says what happened to each.
        func run() throws {
            let repository = try Repository.discover()
            let history = try RunHistory(repository: repository)
            defer { Terminal.warn(history.warnings) }
            let runs = try history.select(name).runs
            guard runs.count == 1 else { throw CheckoutError.several(name: name, runs: runs.map(\.id)) }
            for (output, outcome) in try OutputCheckout(repository: repository).restore(runs[0], paths: paths, force: force, history: history) {
                switch outcome {
                case .restored(let files): print("\(output): restored from run \(runs[0].id)" + (files == 1 ? "" : " (\(files) files)"))
                case .unchanged: print("\(output): already run \(runs[0].id)'s")
                }
            }
        }
    }
}
