import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

@Suite("Reading run history")
struct RunHistoryTests {
    /// `count` commits on main (newest first), with one run recorded on each but every tenth,
    /// written with `git fast-import` as the benchmark does.
    static func history(_ count: Int) throws -> (repository: Repository, commits: [ObjectID], repo: TemporaryGitRepository) {
        let repo = try TemporaryGitRepository()
        let commitStream = (1...count).map { index in
            "commit refs/heads/main\nmark :\(index)\ncommitter T <t@example.org> \(1_700_000_000 + index) +0000\ndata 1\nc\n"
                + (index > 1 ? "from :\(index - 1)\n" : "") + "M 644 inline file.txt\ndata \(String(index).utf8.count)\n\(index)\n\n"
        }.joined()
        #expect(try run("git", ["fast-import", "--quiet"], in: repo.path, environment: repo.environment, input: commitStream).status == 0)
        let commits = try repo.git("rev-list", "main").split(separator: "\n").compactMap { ObjectID(hex: String($0)) }
        let notes = commits.enumerated().filter { $0.offset % 10 != 9 }.map { index, commit in
            let document = "---\nschema: git-recipe/run/v1\nid: \"run-\(index)\"\nrecipe: r\nstatus: succeeded\ncommit: \"\(commit.hex)\"\n"
            return "N inline \(commit.hex)\ndata \(document.utf8.count)\n\(document)\n"
        }.joined()
        let notesStream = "commit refs/notes/recipes\ncommitter T <t@example.org> 1800000000 +0000\ndata 4\nruns\n" + notes + "\n"
        #expect(try run("git", ["fast-import", "--quiet"], in: repo.path, environment: repo.environment, input: notesStream).status == 0)
        return (try Repository.discover(from: repo.path, environment: [:]), commits, repo)
    }

    /// Many commits are read on every core, in chunks for `log`: the same runs, in the same
    /// order, as reading commit by commit, and a limit that ends inside a later chunk.
    @Test func manyCommitsReadTogetherGiveWhatEachGivesAlone() throws {
        let (repository, commits, repo) = try Self.history(300)
        defer { withExtendedLifetime(repo) {} }  // its directory goes with it
        let history = try RunHistory(repository: repository)
        let together = try history.runs(on: commits)
        #expect(together.map { $0.map(\.id) } == (try commits.map { try history.runs(on: $0).map(\.id) }))
        #expect(together.filter(\.isEmpty).count == 30)
        let recorded = together.flatMap { $0.map(\.id) }
        #expect(try RunLog(history: history, commits: commits, filter: .init()).entries.map(\.first.id) == recorded)
        #expect(try RunLog(history: history, commits: commits, filter: .init(limit: 100)).entries.map(\.first.id) == Array(recorded.prefix(100)))
        #expect(try history.allRuns().count == 270)
    }
}
