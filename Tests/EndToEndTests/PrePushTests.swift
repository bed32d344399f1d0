import Foundation
import TestSupport
import Testing

/// The pre-push hook through real `git push` to a bare repository on disk.
@Suite("The pre-push hook")
struct PrePushTests {
    /// A repository with hooks installed, a fresh first commit, and a bare remote it was pushed to.
    static func project() throws -> (repo: TemporaryGitRepository, remote: TemporaryDirectory) {
        let repo = try HookTests.project()
        #expect(try repo.recipe("hook", "install").status == 0)
        let remote = try TemporaryDirectory()
        _ = try run("git", ["init", "-q", "--bare", remote.path], in: remote.path, environment: repo.environment)
        try repo.git("remote", "add", "origin", remote.path)
        let push = try run("git", ["push", "-q", "origin", "main"], in: repo.path, environment: repo.environment)
        #expect(push.status == 0, "\(push)")
        return (repo, remote)
    }

    /// Commits a change to train.py without its lock, bypassing the pre-commit hook.
    static func commitStale(_ repo: TemporaryGitRepository) throws -> String {
        try repo.write("train.py", "print('stale')\n")
        try repo.git("commit", "-q", "--no-verify", "-am", "stale lock")
        return try repo.git("rev-parse", "HEAD")
    }

    func push(_ repo: TemporaryGitRepository, _ arguments: String...) throws -> CommandResult {
        try run("git", ["push", "-q"] + arguments, in: repo.path, environment: repo.environment)
    }

    /// An annotated tag used to block the push: its id was taken for a commit's.
    @Test func anAnnotatedTagIsJudgedByTheCommitItTags() throws {
        let (repo, remote) = try Self.project()
        try repo.git("tag", "-a", "v1", "-m", "release 1")
        let good = try push(repo, "origin", "v1")
        #expect(good.status == 0, "\(good)")
        _ = try Self.commitStale(repo)
        try repo.git("tag", "-a", "v2", "-m", "release 2")
        let stale = try push(repo, "origin", "v2")
        #expect(stale.status != 0, "a tag of a commit with a stale lock is judged like the commit")
        #expect(stale.stderr.contains("does not match the commit's content of 'train'"), "\(stale)")
        withExtendedLifetime(remote) {}
    }

    @Test func aCommitWithAStaleLockIsNotPushed() throws {
        let (repo, remote) = try Self.project()
        let stale = try Self.commitStale(repo)
        try repo.write("notes.md", "later work\n")
        try repo.git("add", "notes.md")
        try repo.git("commit", "-q", "-m", "a later, unrelated commit")
        let result = try push(repo, "origin", "main")
        #expect(result.status != 0)
        #expect(
            result.stderr.contains(
                "error: commit \(stale.prefix(12)): .recipes/train.lock does not match the commit's content of 'train':\n  input 'train.py': sha256:"),
            "\(result.stderr)")
        #expect(result.stderr.contains("(to go ahead anyway, knowingly: git push --no-verify)"))
        let remoteHead = try run("git", ["rev-parse", "main"], in: remote.path, environment: repo.environment).stdout
        #expect(remoteHead != stale + "\n", "the remote did not move")
        // Fixed in a later commit, the stale one still blocks: each commit is judged on its own tree.
        #expect(try repo.recipe("lock").status == 0)
        try repo.git("commit", "-q", "-am", "relock")
        #expect(try push(repo, "origin", "main").status != 0)
    }

    @Test func freshCommitsNewBranchesAndDeletionsPass() throws {
        let (repo, remote) = try Self.project()
        defer { withExtendedLifetime(remote) {} }  // the bare remote lives as long as the test
        try repo.write("train.py", "print('v2')\n")
        #expect(try repo.recipe("lock").status == 0)
        try repo.git("commit", "-q", "-am", "v2, locked")
        #expect(try push(repo, "origin", "main").status == 0)
        try repo.git("checkout", "-q", "-b", "feature")
        try repo.write("README.md", "feature\n")
        try repo.git("add", "README.md")
        try repo.git("commit", "-q", "-m", "feature")
        #expect(try push(repo, "origin", "feature").status == 0, "a new branch is judged on its own commits only")
        #expect(try push(repo, "origin", "--delete", "feature").status == 0)
        _ = try Self.commitStale(repo)
        let newBranch = try push(repo, "origin", "HEAD:refs/heads/stale")
        #expect(newBranch.status != 0, "a new branch with a stale commit is blocked")
    }

    @Test func aForcePushIsJudgedOnTheRewrittenCommits() throws {
        let (repo, remote) = try Self.project()
        defer { withExtendedLifetime(remote) {} }  // the bare remote lives as long as the test
        _ = try Self.commitStale(repo)
        try repo.git("reset", "-q", "--hard", "HEAD~1")
        try repo.write("train.py", "print('rewritten')\n")
        #expect(try repo.recipe("lock").status == 0)
        try repo.git("commit", "-q", "-am", "rewritten, locked")
        #expect(try push(repo, "--force", "origin", "main").status == 0)
    }

    @Test func requireRunDemandsASucceededRunForTheLock() throws {
        let (repo, remote) = try Self.project()
        defer { withExtendedLifetime(remote) {} }  // the bare remote lives as long as the test
        try repo.git("config", "recipe.requireRun", "true")
        try repo.write("data/raw.csv", "3,4\n")
        try repo.write(
            ".recipes/train.yaml", HookTests.recipe.replacingOccurrences(of: "run: python3 train.py", with: "run: mkdir -p models && touch models/m"))
        #expect(try repo.recipe("lock").status == 0)
        try repo.git("commit", "-q", "-am", "a runnable recipe")
        let blocked = try push(repo, "origin", "main")
        #expect(blocked.status != 0)
        #expect(blocked.stderr.contains("error: recipe 'train' has no succeeded run for its lock sha256:"), "\(blocked.stderr)")
        let run = try repo.recipe("run", "train")
        #expect(run.status == 0, "\(run)")
        let pushed = try push(repo, "origin", "main")
        #expect(pushed.status == 0, "\(pushed)")
        #expect(
            pushed.stderr.contains(
                "warning: run records live in refs/notes/recipes, which pushing branches does not send; share them: git recipe push origin"))
    }
}

extension PrePushTests {
    /// The pre-commit framework at its pre-push stage, running `recipe-verify`.
    @Test func thePreCommitFrameworkRunsRecipeVerifyOnPush() throws {
        let (repo, remote) = try Self.project()
        defer { withExtendedLifetime(remote) {} }
        for hook in ["pre-commit", "pre-push"] { try FileManager.default.removeItem(atPath: "\(repo.path)/.git/hooks/\(hook)") }
        let cache = try TemporaryDirectory()
        let environment = try HookTests.usePreCommitFramework(in: repo, hook: "recipe-verify", cache: cache)
        let install = try run("python3", ["-m", "pre_commit", "install", "--hook-type", "pre-push"], in: repo.path, environment: environment)
        #expect(install.status == 0, "\(install)")
        try repo.git("add", ".pre-commit-config.yaml")
        try repo.git("commit", "-q", "-m", "pre-commit config")
        _ = try Self.commitStale(repo)
        let result = try run("git", ["push", "-q", "origin", "main"], in: repo.path, environment: environment)
        #expect(result.status != 0)
        #expect((result.stdout + result.stderr).contains("does not match the commit's content of 'train'"), "\(result)")
    }
}
