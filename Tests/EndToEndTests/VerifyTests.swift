import Foundation
import TestSupport
import Testing

/// `git recipe verify`: the CI gate, judged from commits' own trees.
@Suite("git recipe verify")
struct VerifyTests {
    static let recipe = """
        version: 1
        seed: 7
        steps:
          fit:
            run: mkdir -p out && cat src.txt data/rows.csv > out/model.txt
            inputs: [src.txt, data/]
            outputs: [out/]

        """

    /// A locked project whose recipe reads a tracked file and ignored data.
    static func project() throws -> TemporaryGitRepository {
        try RunCommandTests.project(recipe, files: ["src.txt": "v1\n", "data/rows.csv": "1,2\n"], ignore: "out/\ndata/\n")
    }

    @Test func aSquashMergeKeepsTheRunItsBranchRecorded() throws {
        let repo = try Self.project()
        try repo.git("checkout", "-q", "-b", "feature")
        try repo.write("src.txt", "v2\n")
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("v2")
        try repo.git("checkout", "-q", "main")
        try repo.git("merge", "-q", "--squash", "feature")
        try repo.git("commit", "-q", "-m", "v2 (squashed)")
        let missing = try repo.recipe("verify", "--require-run", "main~1..main")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("error: recipe 'r' has no succeeded run for its lock sha256:"), "\(missing)")
        #expect(missing.stderr.contains("run: git recipe run r, then share the record: git recipe push"))
        // The run on the branch's commit has the same lock digest as the squashed commit.
        try repo.git("checkout", "-q", "feature")
        #expect(try repo.recipe("run", "r").status == 0)
        try repo.git("checkout", "-q", "main")
        let passed = try repo.recipe("verify", "--require-run", "main~1..main")
        #expect(passed.status == 0, "\(passed)")
        #expect(passed.stdout == "verified 1 commit: locks fresh, runs recorded\n")
    }

    @Test func aChangedInputWithoutItsLockFails() throws {
        let repo = try Self.project()
        let base = try repo.git("rev-parse", "HEAD")
        try repo.write("src.txt", "changed\n")
        try repo.commitAll("change the input, forget the lock")
        let stale = try repo.git("rev-parse", "HEAD")
        try repo.write("notes.md", "unrelated\n")
        try repo.commitAll("unrelated")
        let result = try repo.recipe("verify", "\(base)..HEAD")
        #expect(result.status == 1)
        #expect(
            result.stderr.hasPrefix(
                "error: commit \(stale.prefix(12)): .recipes/r.lock does not match the commit's content of 'r':\n  input 'src.txt': sha256:"),
            "\(result)")
        #expect(try repo.recipe("verify", "HEAD").status == 1, "a commit alone is checked on every recipe")
        #expect(try repo.recipe("verify", "\(stale)..HEAD").status == 0, "the unrelated commit touches no recipe")
        #expect(try repo.recipe("verify", "--recipe", "other", "\(base)..HEAD").status == 0)
        let unknown = try repo.recipe("verify", "nowhere..HEAD")
        #expect(unknown.status == 2)
    }

    @Test func untrackedDataAbsentHereIsReportedNotPassedOrFailed() throws {
        let repo = try Self.project()
        try FileManager.default.removeItem(atPath: "\(repo.path)/data")
        let result = try repo.recipe("verify")
        #expect(result.status == 0, "\(result)")
        #expect(
            result.stderr.contains(
                "warning: commit \(try repo.git("rev-parse", "HEAD").prefix(12)): input 'data/' of 'r' is not on this machine, so it was not checked"),
            "\(result)")
        #expect(result.stdout == "verified 1 commit: locks fresh\n")
    }
}
