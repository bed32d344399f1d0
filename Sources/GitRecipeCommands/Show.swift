import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe show RUN|REV`: manifests.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a run's manifest, or every run on a commit.",
            discussion: "NAME is a run id or a unique suffix of one, a sweep id, REV (the runs on that commit) or "
                + "REV:RECIPE (that recipe's latest run there, with the rest of its sweep)."
        )

        /// The formats `show` prints.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case yaml, json, markdown
        }

        /// The runs to show: a run, a sweep, a commit or `REV:RECIPE`.
        @Argument(help: "The run, sweep or revision.")
        var name: String

        /// How to print: yaml, json or markdown.
        @Option(help: "yaml (as recorded), json or markdown.")
        var format = Format.yaml

        /// Prints the named runs' manifests.
        func run() throws {
            let repository = try Repository.discover()
            let history = try RunHistory(repository: repository)
            defer { Terminal.warn(history.warnings) }
            let selection = try history.select(name)
            let signatures = try SignatureCheck(repository: repository).signatures(of: selection.runs, in: Attestations(repository: repository))
            let show = RunShow(selection: selection, signatures: signatures.filter { !$0.unsigned })
            switch format {
            case .yaml: print(show.yaml(), terminator: "")
            case .json: print(try show.json(), terminator: "")
            case .markdown: print(try show.markdown(), terminator: "")
            }
        }
    }
}
