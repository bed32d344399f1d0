import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe report RUN|SWEEP|REV`: a research report with the reproducibility checklist.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a research report on a run or sweep: setup, results, comparison, reproductions, provenance, checklist.",
            discussion: "NAME and --baseline are named as for show; a revision stands for its latest run or sweep of one recipe "
                + "(REV:RECIPE when it has several). Every checklist mark comes from the records and this repository, and the "
                + "report opens with how strong the evidence is. HTML is one self-contained file with charts."
        )

        /// The report's formats.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case markdown, html
        }

        /// The runs to report on: a run, a sweep, a commit or `REV:RECIPE`.
        @Argument(help: "The run, sweep or revision the report is about.")
        var name: String

        /// Runs to compare with, named the same ways.
        @Option(help: "A run, sweep or revision to compare with.")
        var baseline: String?

        /// markdown or html.
        @Option(help: "markdown or html.")
        var format = Format.markdown

        /// Where to write the report; stdout when none.
        @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
        var output: String?

        /// Builds the report and writes it to `--output` or stdout.
        func run() throws {
            let repository = try Repository.discover()
            let history = try RunHistory(repository: repository)
            let document = try RunReport(repository: repository, history: history)
                .document(candidate: history.select(name), baseline: baseline.map(history.select))
            let text = format == .markdown ? document.markdown() : document.html()
            guard let output else {
                print(text, terminator: "")
                return
            }
            var transaction = FileTransaction()
            transaction.write(Data(text.utf8), to: URL(fileURLWithPath: output))
            try transaction.commit()
            Terminal.standardError.write("wrote \(output)\n")
        }
    }
}
