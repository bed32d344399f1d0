import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// `git recipe push` / `pull`: two clones of one bare remote on disk, real runs, real git.
@Suite("Sharing run records")
struct NotesSyncTests {
    /// A bare remote holding a locked project of `recipe`, and two clones of it.
    static func clones(_ recipe: String = RunCommandTests.echo) throws -> (
        remote: TemporaryDirectory, a: TemporaryGitRepository, b: TemporaryGitRepository
    ) {
        let origin = try RunCommandTests.project(recipe)
        let remote = try TemporaryDirectory("git-recipe-remote")
        _ = try run("git", ["clone", "-q", "--bare", origin.path, remote.path + "/r.git"], in: remote.path, environment: origin.environment)
        let a = try clone(remote)
        let b = try clone(remote)
        return (remote, a, b)
    }

    static func clone(_ remote: TemporaryDirectory) throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        try repo.git("remote", "add", "origin", remote.path + "/r.git")
        try repo.git("fetch", "-q", "origin")
        try repo.git("checkout", "-q", "-B", "main", "origin/main")
        try repo.git("branch", "-q", "--set-upstream-to", "origin/main")
        return repo
    }

    /// The run ids recorded on HEAD, as plain git reads them.
    static func runIDs(_ repo: TemporaryGitRepository, ref: String = "recipes") throws -> [String] {
        try repo.git("notes", "--ref=\(ref)", "show", "HEAD").split(separator: "\n").filter { $0.hasPrefix("id: ") }.map(String.init).sorted()
    }

    static func record(_ repo: TemporaryGitRepository, runs: Int) throws {
        for _ in 0..<runs {
            let result = try repo.recipe("run", "r")
            guard result.status == 0 else { throw CommandFailure(command: "git recipe run r", result: result) }
        }
    }

    static func expectFsckClean(_ paths: String..., environment: [String: String]) throws {
        for path in paths {
            let fsck = try run("git", ["fsck", "--strict", "--no-progress"], in: path, environment: environment)
            #expect(fsck.status == 0 && !fsck.stdout.contains("error"), "\(path): \(fsck)")
        }
    }

    /// A pull that could fast-forward used to adopt the remote's deletions and rewrites:
    /// after B removed A's runs (or altered a metric) and pushed, A had none left.
    @Test(arguments: ["remove", "rewrite"])
    func aPullNeverRemovesOrChangesARunRecordedHere(change: String) throws {
        let (remote, a, b) = try Self.clones()
        try Self.record(a, runs: 3)
        #expect(try a.recipe("push").status == 0)
        let before = try a.git("notes", "--ref=recipes", "show", "HEAD")
        #expect(try b.recipe("pull").status == 0)
        if change == "remove" {
            try b.git("notes", "--ref=recipes", "remove", "HEAD")
        } else {
            try b.git("notes", "--ref=recipes", "add", "-f", "-m", before.replacingOccurrences(of: "acc: 0.01", with: "acc: 0.99"), "HEAD")
        }
        try b.git("push", "-q", "origin", "refs/notes/recipes:refs/notes/recipes")

        let pull = try a.recipe("pull")
        #expect(pull.status == 0, "\(pull)")
        #expect(try a.git("notes", "--ref=recipes", "show", "HEAD") == before, "every run kept, as recorded here")
        if change == "rewrite" {
            #expect(pull.stderr.contains("warning: 3 runs are recorded differently in 'origin'; kept as recorded here"), "\(pull)")
        }
        #expect(try a.recipe("push").status == 0, "the union goes back without forcing")
        let shared = try run("git", ["notes", "--ref=recipes", "show", "main"], in: remote.path + "/r.git", environment: a.environment)
        #expect(shared.stdout.trimmingCharacters(in: .newlines) == before.trimmingCharacters(in: .newlines), "\(shared)")
        try Self.expectFsckClean(a.path, remote.path + "/r.git", environment: a.environment)
    }

    @Test func runsFromBothClonesEndUpOnBothSides() throws {
        let (remote, a, b) = try Self.clones()
        let nothing = try a.recipe("pull")
        #expect(nothing.status == 0, "a remote with no notes yet: \(nothing)")
        #expect(nothing.stdout == "run records up to date with origin\n")
        try Self.record(a, runs: 2)
        try Self.record(b, runs: 3)
        let pushA = try a.recipe("push")
        #expect(pushA.status == 0, "\(pushA)")
        #expect(pushA.stdout == "pushed run records to origin\n")
        let pushB = try b.recipe("push", "origin")
        #expect(pushB.status == 0, "\(pushB)")
        #expect(
            pushB.stdout == "merged 2 runs on 1 commit from origin\npushed run records to origin\n",
            "B's push was not a fast-forward: it merged first")
        let pullA = try a.recipe("pull")
        #expect(pullA.stdout == "merged 3 runs on 1 commit from origin\n", "\(pullA)")
        let union = try Self.runIDs(a)
        #expect(union.count == 5)
        #expect(try Self.runIDs(b) == union)
        #expect(try a.recipe("log").stdout.split(separator: "\n").count == 5)
        // The merge has both sides as parents, so plain git sees one history.
        let parents = try b.git("log", "-1", "--format=%P", "refs/notes/recipes").split(separator: " ")
        #expect(parents.count == 2)
        #expect(try a.recipe("pull").stdout == "run records up to date with origin\n")
        try Self.expectFsckClean(a.path, b.path, remote.path + "/r.git", environment: a.environment)
    }

    @Test func twoClonesPushingAtOnceLoseNothing() throws {
        let (remote, a, b) = try Self.clones()
        try Self.record(a, runs: 2)
        try Self.record(b, runs: 2)
        let statuses = try runConcurrently(
            [("/usr/bin/git", ["recipe", "push"], a.path), ("/usr/bin/git", ["recipe", "push"], b.path)],
            environment: a.environment)
        #expect(statuses == [0, 0])
        #expect(try a.recipe("pull").status == 0)
        #expect(try b.recipe("pull").status == 0)
        #expect(try Self.runIDs(a).count == 4)
        #expect(try Self.runIDs(a) == Self.runIDs(b))
        try Self.expectFsckClean(remote.path + "/r.git", environment: a.environment)
    }

    /// Pulls and pushes at once in one clone used to fail (11 of 12) on the busy tracking
    /// ref, blaming the remote.
    @Test func twelvePullsAndPushesAtOnceInOneCloneAllSucceed() throws {
        let (remote, a, b) = try Self.clones()
        try Self.record(b, runs: 2)
        #expect(try b.recipe("push").status == 0)
        try Self.record(a, runs: 2)
        let commands = (0..<12).map { ("/usr/bin/git", ["recipe", $0.isMultiple(of: 2) ? "pull" : "push"], a.path) }
        let statuses = try runConcurrently(commands, environment: a.environment)
        #expect(statuses == Array(repeating: 0, count: 12))
        #expect(try Self.runIDs(a).count == 4)
        #expect(try b.recipe("pull").status == 0)
        #expect(try Self.runIDs(b) == Self.runIDs(a))
        try Self.expectFsckClean(a.path, remote.path + "/r.git", environment: a.environment)
    }

    @Test func aRemoteGivenAsAPathIsFetchedAndMergedLikeANamedOne() throws {
        let (_, a, b) = try Self.clones()
        try Self.record(a, runs: 2)
        let pulled = try b.recipe("pull", a.path)
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout == "merged 2 runs on 1 commit from \(a.path)\n")
        #expect(try Self.runIDs(b) == (try Self.runIDs(a)))
        let tracking = try b.git("for-each-ref", "--format=%(refname)", "refs/notes/remotes/")
        #expect(tracking.hasPrefix("refs/notes/remotes/url-") && tracking.hasSuffix("/recipes"), "\(tracking)")
    }

    @Test func anUnknownRemoteIsAClearError() throws {
        let repo = try RunCommandTests.project(RunCommandTests.echo)
        let result = try repo.recipe("pull", "nowhere")
        #expect(result.status == 1)
        #expect(
            result.stderr.hasPrefix("error: could not fetch run records from 'nowhere':\n  fatal: 'nowhere' does not appear to be a git repository"),
            "\(result)")
        #expect(result.stderr.contains("check the remote (git remote -v)"))
    }

    @Test func manyDivergentRunsMergeIntoAFannedOutTreeGitReads() throws {
        let (remote, a, b) = try Self.clones()
        defer { withExtendedLifetime(remote) {} }
        // 300 commits annotated on each side: enough for the merged tree to fan out.
        for (repo, name) in [(a, "a"), (b, "b")] {
            let imported = try run(
                "git", ["fast-import", "--quiet"], in: repo.path, environment: repo.environment,
                input: NotesSyncTests.annotatedHistory(branch: "side-\(name)", commits: 300, idPrefix: name))
            #expect(imported.status == 0, "\(imported)")
        }
        #expect(try a.recipe("push").status == 0)
        let pushB = try b.recipe("push")
        #expect(pushB.stdout.hasPrefix("merged 300 runs on 300 commits from origin\n"), "\(pushB)")
        #expect(try a.recipe("pull").stdout == "merged 300 runs on 300 commits from origin\n")
        let listed = try a.git("notes", "--ref=recipes", "list").split(separator: "\n")
        #expect(listed.count == 600, "git lists every note of the merged tree")
        #expect(try a.git("ls-tree", "--name-only", "refs/notes/recipes").split(separator: "\n").allSatisfy { $0.count == 2 }, "fanned out")
        try Self.expectFsckClean(a.path, environment: a.environment)
    }

    /// A fast-import stream: `commits` commits on `branch`, each with one run recorded in
    /// a new `refs/notes/recipes` history.
    static func annotatedHistory(branch: String, commits: Int, idPrefix: String) -> String {
        var stream = ""
        func data(_ text: String) -> String { "data \(text.utf8.count)\n\(text)\n" }
        for index in 1...commits {
            stream +=
                "commit refs/heads/\(branch)\nmark :\(index)\ncommitter T <t@example.org> \(1_700_000_000 + index) +0000\n"
                + data("\(branch) \(index)")
            if index > 1 { stream += "from :\(index - 1)\n" }
            stream += "\n"
        }
        stream += "commit \(Repository.notesRef)\ncommitter T <t@example.org> 1700000000 +0000\n" + data("runs")
        for index in 1...commits {
            let id = String(format: "20261120T100000Z-\(idPrefix)%07d", index)
            let document = ReviewTests.manifest(
                id: id, commit: String(repeating: "0", count: 40), seed: 1, lr: "0.1",
                accuracy: "0.5", loss: "0.5", model: "a")
            stream += "N inline :\(index)\n" + data("---\n" + document)
        }
        return stream + "\n"
    }
}
