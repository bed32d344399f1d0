import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe dashboard [RANGE] [--recipe R] -o DIR`: a static site over the history.
    struct Dashboard: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a static site over the runs of a range: metrics over commits, runs, resource use, failure rates, plots.",
            discussion: "RANGE is read as git log reads it (default HEAD). DIR gets index.html, one page per recipe under recipes/ "
                + "and the plot images under plots/; the pages use no script and fetch nothing, so they open from file://. "
                + "Plots are read from this clone's artifact store: fetch others' with git recipe pull --artifacts."
        )

        @Argument(help: "The commits: REV, A..B or A...B (default: HEAD).")
        var range = "HEAD"

        @Option(help: "Only runs of this recipe.")
        var recipe: String?

        @Option(name: .shortAndLong, help: "The directory to write the site into (created if missing).")
        var output: String

        func run() throws {
            let repository = try Repository.discover()
            // The notes' records are read from the run index while the walk runs.
            let history = try RunHistory(repository: repository, readingAhead: true)
            guard let commits = try repository.commits(in: range) else { throw UnknownRevision(range) }
            defer { Terminal.warn(history.warnings) }
            let dashboard = try GitRecipeCore.Dashboard(
                history: history, range: range, commits: commits, recipe: recipe, keyMetrics: Log.keyMetrics(in: repository))
            var transaction = FileTransaction()
            let directory = URL(fileURLWithPath: output)
            let files = DashboardSite(dashboard, store: ObjectStore(repository: repository)).files()
            for file in files { transaction.write(file.contents, to: directory.appending(path: file.path)) }
            try transaction.commit()
            Terminal.standardError.write("wrote \(files.count) files to \(output): open \(directory.appending(path: "index.html").path)\n")
        }
    }
}
