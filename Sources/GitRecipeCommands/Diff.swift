import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe diff A B`: two runs side by side.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two runs, sweeps or revisions: params, inputs, environment, host, outputs, metrics.",
            discussion: "A and B are named as for show. Two revisions are compared recipe by recipe, each side's sweep with the most "
                + "seeds (ties: the latest). Only what differs is shown unless --all; metric changes are absolute and relative and, "
                + "when both sides are sweeps, tested with Welch's t (95% interval, p, Cohen's d); a side with one run is not a test."
        )

        /// The first side: a run, a commit, a range or `REV:RECIPE`.
        @Argument(help: "The baseline: a run, sweep or revision.")
        var a: String

        /// The second side, named the same ways.
        @Argument(help: "The candidate: a run, sweep or revision.")
        var b: String

        /// Compare every pair of recipes' runs, not only the latest group of each.
        @Flag(help: "Show equal values too.")
        var all = false

        /// How to print: text, markdown or json.
        @Option(help: "text, markdown or json.")
        var format = ReviewFormat.text

        /// Resolves both sides and prints how they differ.
        func run() throws {
            let repository = try Repository.discover()
            let history = try RunHistory(repository: repository)
            defer { Terminal.warn(history.warnings) }
            let diff = try RunDiff(try history.select(a), try history.select(b), all: all)
            switch format {
            case .text: print(diff.text(), terminator: "")
            case .markdown: print(diff.markdown(), terminator: "")
            case .json: print(diff.json(), terminator: "")
            }
        }
    }
}
