import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe diff A B`: two runs side by side.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two runs, sweeps or revisions: params, inputs, environment, host, outputs, metrics.",
            discussion: "A and B are named as for show. Two revisions are compared recipe by recipe. Only what differs "
                + "is shown unless --all; metric changes are absolute and relative, and for sweeps flagged when smaller than the seed spread."
        )

        @Argument(help: "The baseline: a run, sweep or revision.")
        var a: String

        @Argument(help: "The candidate: a run, sweep or revision.")
        var b: String

        @Flag(help: "Show equal values too.")
        var all = false

        @Option(help: "text, markdown or json.")
        var format = ReviewFormat.text

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
