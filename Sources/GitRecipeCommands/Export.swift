import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe export RUN|SWEEP --format F [-o PATH]`: provenance in a standard others read.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a run or a sweep as in-toto/SLSA provenance, a Workflow Run RO-Crate, PROV-JSON or OpenLineage events.",
            discussion: """
                in-toto: a Statement v1 with an SLSA provenance v1 predicate (JSON Lines, one statement per run, for a sweep). \
                ro-crate: a directory (-o is required) holding ro-crate-metadata.json (Provenance Run Crate 0.5), the recipe and \
                the bytes of every input and output this clone holds. prov: one W3C PROV-JSON document. openlineage: run events, \
                one JSON object per line. Written to -o FILE (atomically) or stdout. See docs/provenance.md.
                """
        )

        /// The run or sweep.
        @Argument(help: "A run, a sweep or REV:RECIPE, named as for show.")
        var name: String

        /// The standard.
        @Option(help: "in-toto, ro-crate, prov or openlineage.")
        var format: RunExport.Format

        /// Where to write.
        @Option(name: [.short, .customLong("output")], help: "The file (a directory for ro-crate); stdout when absent.")
        var output: String?

        /// Writes the export.
        func run() throws {
            let repository = try Repository.discover()
            let history = try RunHistory(repository: repository)
            defer { Terminal.warn(history.warnings) }
            let selection = try history.select(name)
            guard Set(selection.runs.map(\.recipe)).count == 1 else {
                throw ValidationError(
                    "'\(name)' names runs of several recipes (\(selection.recipes.joined(separator: ", "))); name one: \(name):RECIPE")
            }
            let export = try RunExport(repository: repository, runs: selection.runs)
            if format == .roCrate {
                guard let output else { throw ValidationError("an RO-Crate is a directory: give it one with -o DIR") }
                let files = try export.writeCrate(to: output)
                print("wrote \(output)/ro-crate-metadata.json and \(files - 1) file\(files == 2 ? "" : "s")")
                return
            }
            let text = export.text(format)
            guard let output else { return print(text, terminator: "") }
            var transaction = FileTransaction()
            transaction.write(Data(text.utf8), to: URL(fileURLWithPath: output))
            try transaction.commit()
        }
    }
}

/// The formats, read from `--format` by their names.
extension RunExport.Format: ExpressibleByArgument {}
