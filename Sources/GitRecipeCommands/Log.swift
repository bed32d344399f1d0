import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe log [RANGE]`: the runs recorded on a range of commits.
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the runs recorded on the commits of a range, newest first.",
            discussion: "RANGE is read as git log reads it: REV (REV and its history), A..B or A...B; default HEAD. "
                + "The runs of a sweep are one line with each metric's mean ± standard deviation, unless --expand."
        )

        /// The commits whose runs to list: a revision or a range; HEAD when none.
        @Argument(help: "The commits: REV, A..B or A...B (default: HEAD).")
        var range = "HEAD"

        /// Only runs of this recipe.
        @Option(help: "Only runs of this recipe.")
        var recipe: String?

        /// Only runs with this status.
        @Option(help: "Only runs that ended so: succeeded, failed or cancelled.")
        var status: String?

        /// At most this many entries.
        @Option(name: [.customShort("n"), .long], help: "At most this many lines (-n, as git log takes it).")
        var limit: Int?

        /// One line per run, not per sweep.
        @Flag(help: "One line per run, sweeps included.")
        var expand = false

        /// List the runs on snapshots too.
        @Flag(help: "Also list the runs made on snapshots (run --snapshot), each above the commit it was taken on.")
        var snapshots = false

        /// How to print: text, markdown or json.
        @Option(help: "text, markdown or json.")
        var format = ReviewFormat.text

        /// Refuses a limit below one.
        func validate() throws {
            if let status, RunStatus(rawValue: status) == nil {
                throw ValidationError("--status must be succeeded, failed or cancelled, not '\(status)'")
            }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        /// Reads the runs on the range and prints them.
        func run() throws {
            let repository = try Repository.discover()
            // The notes' records are read from the run index while the walk runs.
            let history = try RunHistory(repository: repository, readingAhead: true)
            guard var commits = try repository.commits(in: range) else { throw UnknownRevision(range) }
            let taken = snapshots ? try Snapshot.all(in: repository) : [:]
            if !taken.isEmpty { commits = commits.flatMap { (taken[$0] ?? []) + [$0] } }
            let filter = RunLog.Filter(recipe: recipe, status: status, expand: expand, limit: limit)
            defer { Terminal.warn(history.warnings) }
            let log = try RunLog(
                history: history, commits: commits, filter: filter, keyMetrics: Self.keyMetrics(in: repository),
                snapshots: Set(taken.values.joined()))
            switch format {
            case .text: print(log.text(), terminator: "")
            case .markdown: print(log.markdown(), terminator: "")
            case .json: print(log.json(), terminator: "")
            }
            if log.entries.isEmpty, let hint = try NotesSync.hintForEmptyHistory(in: repository) {
                Terminal.standardError.write("hint: \(hint)\n")
            }
        }

        /// The metrics each recipe's `tolerance` names in the work tree: what it says matters.
        static func keyMetrics(in repository: Repository) -> [String: [String]] {
            guard let project = try? Project.load(from: WorkingTreeFiles(root: repository.workTree)) else { return [:] }
            return Dictionary(project.pipelines.map { ($0.recipe.name, $0.recipe.tolerance.keys.sorted()) }) { first, _ in first }
        }
    }
}
