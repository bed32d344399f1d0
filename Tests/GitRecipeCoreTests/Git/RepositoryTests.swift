import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

@Suite("Opening repositories the way git does")
struct RepositoryTests {
    @Test func discoversTheWorkTreeFromASubdirectory() throws {
        let repo = try TemporaryGitRepository(initialCommit: true)
        try repo.write("src/deep/file.txt", "x")
        let repository = try Repository.discover(from: "\(repo.path)/src/deep", environment: [:])
        #expect(repository.workTree == repo.path)
        #expect(repository.gitDirectory == "\(repo.path)/.git")
    }

    @Test func honoursGitDirAndGitWorkTreeExportedByGit() throws {
        let repo = try TemporaryGitRepository(initialCommit: true)
        let elsewhere = try TemporaryDirectory()
        let repository = try Repository.discover(
            from: elsewhere.path, environment: ["GIT_DIR": "\(repo.path)/.git", "GIT_WORK_TREE": repo.path])
        #expect(repository.workTree == repo.path)
        // A relative GIT_DIR, as git exports it to hooks, is relative to the current directory.
        let relative = try Repository.discover(from: repo.path, environment: ["GIT_DIR": ".git"])
        #expect(relative.workTree == repo.path)
    }

    @Test func opensALinkedWorktreeWithItsOwnWorkTreeAndTheSharedCommonDirectory() throws {
        let repo = try TemporaryGitRepository(initialCommit: true)
        let parent = try TemporaryDirectory()
        try repo.git("worktree", "add", "-q", "\(parent.path)/linked", "-b", "feature")
        let repository = try Repository.discover(from: "\(parent.path)/linked", environment: [:])
        #expect(repository.workTree == "\(parent.path)/linked")
        #expect(repository.commonDirectory == "\(repo.path)/.git")
        #expect(repository.gitDirectory == "\(repo.path)/.git/worktrees/linked")
    }

    @Test func outsideARepositoryTheErrorSaysSoAndHowToStart() throws {
        let directory = try TemporaryDirectory()
        let parent = URL(fileURLWithPath: directory.path).deletingLastPathComponent().path
        #expect(throws: RepositoryError.notFound(path: directory.path)) {
            try Repository.discover(from: directory.path, environment: ["GIT_CEILING_DIRECTORIES": parent])
        }
        #expect(RepositoryError.notFound(path: "/x").description.contains("run: git init"))
    }

    @Test func aBareRepositoryIsRefusedWithTheReason() throws {
        let directory = try TemporaryDirectory()
        _ = try run("git", ["init", "-q", "--bare", "bare.git"], in: directory.path, environment: isolatedEnvironment(home: directory.path))
        let error = #expect(throws: RepositoryError.self) {
            try Repository.discover(from: "\(directory.path)/bare.git", environment: [:])
        }
        #expect(error == .bare(path: "\(directory.path)/bare.git"))
        #expect(error?.description.contains("needs a work tree") == true)
    }

    @Test func aSha256RepositoryGetsAnActionableMessage() throws {
        let directory = try TemporaryDirectory()
        _ = try run(
            "git", ["init", "-q", "--object-format=sha256", "repo"], in: directory.path, environment: isolatedEnvironment(home: directory.path))
        #expect(throws: RepositoryError.unsupportedObjectFormat(path: "\(directory.path)/repo")) {
            try Repository.discover(from: "\(directory.path)/repo", environment: [:])
        }
    }

    // Ownership can only be given away by root; elsewhere this test cannot be set up.
    @Test(.enabled(if: getuid() == 0, "needs root to give the repository to another user"))
    func anotherUsersRepositoryNamesTheSafeDirectoryFix() throws {
        let repo = try TemporaryGitRepository(initialCommit: true)
        _ = try run("chown", ["-R", "nobody", repo.path], in: repo.path, environment: repo.environment)
        defer { _ = try? run("chown", ["-R", "root", repo.path], in: "/", environment: repo.environment) }
        let error = #expect(throws: RepositoryError.self) {
            try Repository.discover(from: repo.path, environment: [:])
        }
        #expect(error == .notOwned(path: repo.path))
        #expect(error?.description.contains("git config --global --add safe.directory '\(repo.path)'") == true)
    }

    @Test func headIsTheCommitAndTreeGitReports() throws {
        let repo = try TemporaryGitRepository()
        let repository = try Repository.discover(from: repo.path, environment: [:])
        #expect(try repository.head() == nil)
        try repo.write("a.txt", "a")
        try repo.commitAll("first")
        let head = try #require(try repository.head())
        #expect(head.commit.hex == (try repo.git("rev-parse", "HEAD")))
        #expect(head.tree.hex == (try repo.git("rev-parse", "HEAD^{tree}")))
    }

    @Test func configReadsAndWritesThroughTheRepositoryConfig() throws {
        let repo = try TemporaryGitRepository()
        let repository = try Repository.discover(from: repo.path, environment: [:])
        #expect(try repository.identity() == Identity(name: "A Researcher", email: "researcher@example.org"))
        #expect(try repository.config("recipe.never-set") == nil)
        try repository.setConfig("notes.recipes.mergeStrategy", to: "union")
        #expect(try repo.git("config", "--local", "--get", "notes.recipes.mergeStrategy") == "union")
    }

    @Test func stagedPathsAreWhatGitDiffCachedListsAndCanBeLimitedToLiteralPaths() throws {
        let repo = try TemporaryGitRepository()
        for path in ["data/a.txt", "data2/b.txt", "top.txt", "weird*name"] { try repo.write(path, "1") }
        try repo.commitAll("first")
        let repository = try Repository.discover(from: repo.path, environment: [:])
        #expect(try repository.stagedPaths() == [])
        for path in ["data/a.txt", "data2/b.txt", "top.txt", "weird*name", "data/new.txt"] { try repo.write(path, "2") }
        try repo.git("add", "-A")
        // Read after the index changed on disk: the repository's cached index is re-read.
        let all = try repository.stagedPaths()
        #expect(all == (try repo.git("diff", "--cached", "--name-only", "--no-renames")).split(separator: "\n").map(String.init))
        #expect(all == ["data/a.txt", "data/new.txt", "data2/b.txt", "top.txt", "weird*name"])
        // A directory ends in `/` and holds only what is under it (not `data2/`); a `*` is literal.
        #expect(try repository.stagedPaths(among: ["data/", "weird*name"]) == ["data/a.txt", "data/new.txt", "weird*name"])
        #expect(try repository.stagedPaths(among: ["w*", "data"]) == [])
        #expect(try repository.stagedPaths(among: ["top.txt", "missing/"]) == ["top.txt"])
        #expect(try repository.stagedPaths(among: []) == [])
    }

    @Test func objectIDsSortAsTheirHexFormsDo() {
        let hexes = [
            "ff00000000000000000000000000000000000000", "00ff000000000000000000000000000000000000",
            "0000000000000000000000000000000000000001", "0000000000000000ff00000000000000000000aa",
            "00000000000000000000000000000000000000ff", "0100000000000000000000000000000000000000",
            "0000000000000000000000000000000000000100", "0000000000000000000000000000000001000000",
        ]
        let ids = hexes.compactMap(ObjectID.init(hex:))
        #expect(ids.count == hexes.count)
        #expect(ids.map(\.hex) == hexes, "hex reads back as written")
        #expect(ids.sorted().map(\.hex) == hexes.sorted())
    }
}
