import ArgumentParser
import Foundation
import GitRecipeCore

/// How review commands print: for a terminal, for a pull request, for a program.
enum ReviewFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json
}

extension GitRecipeCommand {
    /// `git recipe log [RANGE]`: the runs recorded on a range of commits.
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the runs recorded on the commits of a range, newest first.",
            discussion: "RANGE is read as git log reads it: REV (REV and its history), A..B or A...B; default HEAD. "
                + "The runs of a sweep are one line with each metric's mean ± standard deviation, unless --expand."
        )

        @Argument(help: "The commits: REV, A..B or A...B (default: HEAD).")
        var range = "HEAD"

        @Option(help: "Only runs of this recipe.")
        var recipe: String?

        @Option(help: "Only runs that ended so: succeeded, failed or cancelled.")
        var status: String?

        @Option(name: [.customShort("n"), .long], help: "At most this many lines (-n, as git log takes it).")
        var limit: Int?

        @Flag(help: "One line per run, sweeps included.")
        var expand = false

        @Option(help: "text, markdown or json.")
        var format = ReviewFormat.text

        func validate() throws {
            if let status, RunStatus(rawValue: status) == nil {
                throw ValidationError("--status must be succeeded, failed or cancelled, not '\(status)'")
            }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let repository = try Repository.discover()
            guard let commits = try repository.commits(in: range) else { throw UnknownRevision(range) }
            let filter = RunLog.Filter(recipe: recipe, status: status, expand: expand, limit: limit)
            let history = try RunHistory(repository: repository)
            defer { Terminal.warn(history.warnings) }
            let log = try RunLog(history: history, commits: commits, filter: filter, keyMetrics: Self.keyMetrics(in: repository))
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

    /// `git recipe show RUN|REV`: manifests.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a run's manifest, or every run on a commit.",
            discussion: "NAME is a run id or a unique suffix of one, a sweep id, REV (the runs on that commit) or "
                + "REV:RECIPE (that recipe's latest run there, with the rest of its sweep)."
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case yaml, json, markdown
        }

        @Argument(help: "The run, sweep or revision.")
        var name: String

        @Option(help: "yaml (as recorded), json or markdown.")
        var format = Format.yaml

        func run() throws {
            let repository = try Repository.discover()
            let history = try RunHistory(repository: repository)
            defer { Terminal.warn(history.warnings) }
            let show = RunShow(selection: try history.select(name))
            switch format {
            case .yaml: print(show.yaml(), terminator: "")
            case .json: print(try show.json(), terminator: "")
            case .markdown: print(try show.markdown(), terminator: "")
            }
        }
    }

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

    /// `git recipe verify [RANGE]`: the CI gate.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every commit's locks are fresh for its own tree (and, with --require-run, that runs exist).",
            discussion: "REV checks that commit and every recipe in it; A..B or A...B checks each commit of the range "
                + "for the recipes it touches. Judged from the commits' blobs, without a checkout; data git does not track "
                + "is checked where present and otherwise reported as not checkable here. Exit 1 with one line per violation."
        )

        @Argument(help: "REV, A..B or A...B (default: HEAD).")
        var range = "HEAD"

        @Option(help: "Only this recipe.")
        var recipe: String?

        @Flag(help: "Each recipe checked needs a succeeded run for its lock at the tip, recorded on any commit.")
        var requireRun = false

        func run() throws {
            let repository = try Repository.discover()
            guard let revisions = try repository.revisions(range) else { throw UnknownRevision(range) }
            let (findings, commits) = try Verifier(repository: repository, recipe: recipe, requireRun: requireRun).findings(revisions)
            Terminal.standardError.write(findings.warnings.map { "warning: \($0)\n" }.joined())
            guard findings.problems.isEmpty else { throw VerifyFailed(problems: findings.problems) }
            print("verified \(commits) commit\(commits == 1 ? "" : "s"): locks fresh" + (requireRun ? ", runs recorded" : ""))
        }
    }

    /// `git recipe push [REMOTE]`.
    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Share run records: merge the remote's, then push refs/notes/recipes (never forced).",
            discussion: "Transport is your own git. A push rejected because someone else pushed meanwhile fetches, merges and retries."
        )

        @Argument(help: "The remote (default: the current branch's, else origin).")
        var remote: String?

        func run() throws {
            let sync = try Self.sync(with: remote)
            let (merged, pushed) = try sync.push()
            Self.warnAboutConflicts(merged, with: sync.remote)
            if merged.added > 0 { print("merged \(Self.count(merged)) from \(sync.remote)") }
            print(pushed ? "pushed run records to \(sync.remote)" : "no run records to push yet; record one with git recipe run RECIPE")
        }

        /// Sharing with `remote`, else the current branch's remote, else origin.
        static func sync(with remote: String?) throws -> NotesSync {
            let repository = try Repository.discover()
            return NotesSync(repository: repository, remote: try remote ?? repository.defaultRemote())
        }

        /// Runs whose records differ between the two sides: kept as recorded here, and said.
        static func warnAboutConflicts(_ merge: NotesSync.Merge, with remote: String) {
            guard !merge.conflicts.isEmpty else { return }
            let runs = merge.conflicts.count == 1 ? "run is" : "\(merge.conflicts.count) runs are"
            Terminal.warn(["\(runs) recorded differently in '\(remote)'; kept as recorded here "
                + "(compare: git recipe show RUN, and the remote's copy in refs/notes/remotes):"
                + merge.conflicts.map { "\n  \($0)" }.joined()])
        }

        static func count(_ merge: NotesSync.Merge) -> String {
            "\(merge.added) run\(merge.added == 1 ? "" : "s") on \(merge.commits) commit\(merge.commits == 1 ? "" : "s")"
        }
    }

    /// `git recipe pull [REMOTE]`.
    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch a remote's run records and merge them into yours (a union by run id).",
            discussion: "The remote's notes are kept in refs/notes/remotes/REMOTE/recipes; yours move by compare-and-swap."
        )

        @Argument(help: "The remote (default: the current branch's, else origin).")
        var remote: String?

        func run() throws {
            let sync = try Push.sync(with: remote)
            let merged = try sync.pull()
            Push.warnAboutConflicts(merged, with: sync.remote)
            print(merged.added == 0 ? "run records up to date with \(sync.remote)" : "merged \(Push.count(merged)) from \(sync.remote)")
        }
    }
}

/// A revision or range that names no commit.
struct UnknownRevision: RecipeError {
    let spec: String
    init(_ spec: String) { self.spec = spec }
    var exitStatus: ExitStatus { .invalidInput }
    var description: String { "unknown revision or range '\(spec)'; name commits as git does: HEAD, main, a1b2c3d, main..feature" }
}

/// `verify` found violations: one line each.
struct VerifyFailed: RecipeError {
    let problems: [String]
    var exitStatus: ExitStatus { .checkFailed }
    var report: String { problems.map { "error: \($0)" }.joined(separator: "\n") }
    var description: String { problems.joined(separator: "\n") }
}
