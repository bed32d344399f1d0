import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// invariant 1 in docs/architecture.md, against each kind of dirt made with the real git CLI.
@Suite("The clean-commit check")
struct CleanlinessTests {
    private func cleanliness(_ repo: TemporaryGitRepository) throws -> Cleanliness {
        try Repository.discover(from: repo.path, environment: [:]).cleanliness()
    }

    private func committedRepository() throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        try repo.write(".gitignore", "data/\n")
        try repo.write("train.py", "print('v1')\n")
        try repo.write("src/model.py", "W = 1\n")
        try repo.commitAll("initial")
        return repo
    }

    @Test func aFreshCommitIsClean() throws {
        let repo = try committedRepository()
        try repo.write("data/big.bin", "ignored output")
        let state = try cleanliness(repo)
        #expect(state.isClean)
        #expect(state.problems.isEmpty)
    }

    @Test func anUnbornHeadIsNotClean() throws {
        let repo = try TemporaryGitRepository()
        let state = try cleanliness(repo)
        #expect(state.unbornHead)
        #expect(!state.isClean)
        #expect(state.problems == ["HEAD has no commit yet; run: git commit"])
    }

    @Test func modifiedStagedUntrackedAndDeletedPathsAreNamed() throws {
        let repo = try committedRepository()
        try repo.write("train.py", "print('v2')\n")
        try repo.write("src/model.py", "W = 2\n")
        try repo.git("add", "src/model.py")
        try repo.write("notes.txt", "todo")
        try repo.write("data/output.bin", "ignored until .gitignore goes")
        try FileManager.default.removeItem(atPath: "\(repo.path)/.gitignore")
        let state = try cleanliness(repo)
        #expect(
            state.dirtyPaths == [
                .init(kind: .modified, path: ".gitignore"),
                .init(kind: .untracked, path: "data/"),
                .init(kind: .untracked, path: "notes.txt"),
                .init(kind: .staged, path: "src/model.py"),
                .init(kind: .modified, path: "train.py"),
            ])
    }

    @Test func aMergeConflictIsConflictedAndAMergeInProgress() throws {
        let repo = try committedRepository()
        try repo.git("checkout", "-q", "-b", "other")
        try repo.write("train.py", "print('other')\n")
        try repo.commitAll("other")
        try repo.git("checkout", "-q", "main")
        try repo.write("train.py", "print('main')\n")
        try repo.commitAll("main")
        let merge = try run("git", ["merge", "-q", "other"], in: repo.path, environment: repo.environment)
        #expect(merge.status != 0)
        let state = try cleanliness(repo)
        #expect(state.operationInProgress == "merge")
        #expect(state.dirtyPaths == [.init(kind: .conflicted, path: "train.py")])
        #expect(state.problems.first == "a merge is in progress; finish or abort it (git status says how)")
    }

    @Test func aRebaseInProgressIsNotCleanEvenWithNothingChanged() throws {
        let repo = try committedRepository()
        try repo.write("a.txt", "a")
        try repo.commitAll("second")
        let stop = try run("git", ["rebase", "-q", "--exec", "false", "HEAD~1"], in: repo.path, environment: repo.environment)
        #expect(stop.status != 0)
        let state = try cleanliness(repo)
        #expect(state.operationInProgress == "rebase")
        #expect(state.dirtyPaths.isEmpty)
        #expect(!state.isClean)
    }

    @Test func skipWorktreeEntriesOfASparseCheckoutAreNotDeletions() throws {
        let repo = try committedRepository()
        try repo.git("sparse-checkout", "set", "--no-cone", "/train.py", "/.gitignore")
        #expect(!FileManager.default.fileExists(atPath: "\(repo.path)/src/model.py"))
        #expect(try cleanliness(repo).isClean)
        // A real deletion of a file that is checked out still counts.
        try FileManager.default.removeItem(atPath: "\(repo.path)/train.py")
        #expect(try cleanliness(repo).dirtyPaths == [.init(kind: .modified, path: "train.py")])
    }
}
