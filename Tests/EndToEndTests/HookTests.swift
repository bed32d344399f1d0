import Foundation
import TestSupport
import Testing

/// The pre-commit hook through real `git commit`, installed by `git recipe init`.
@Suite("The pre-commit hook")
struct HookTests {
    static let recipe = """
        version: 1
        seed: 1
        environment: {files: [requirements.txt]}
        steps:
          fit: {run: python3 train.py, inputs: [train.py, data/], outputs: [models/]}

        """

    /// A repository with the hook installed and a first commit that passed it.
    static func project() throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        try repo.write(".gitignore", "models/\ndata/\n")
        try repo.write(".recipes/train.yaml", recipe)
        try repo.write("train.py", "print(1)\n")
        try repo.write("requirements.txt", "numpy==2.4.6\n")
        try repo.write("data/raw.csv", "1,2\n")
        #expect(try repo.recipe("hook", "install").status == 0)
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("recipe")
        return repo
    }

    /// Points `repo` at this project's `.pre-commit-hooks.yaml` (at the checkout's HEAD) for
    /// `hook`, and returns the environment the pre-commit framework then runs in.
    static func usePreCommitFramework(in repo: TemporaryGitRepository, hook: String, cache: TemporaryDirectory) throws -> [String: String] {
        let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../..").standardizedFileURL.path
        let revision = try run("git", ["rev-parse", "HEAD"], in: project, environment: ProcessInfo.processInfo.environment)
        try repo.write(
            ".pre-commit-config.yaml",
            """
            repos:
              - repo: \(project)
                rev: \(revision.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                hooks: [{id: \(hook)}]

            """)
        var environment = repo.environment
        environment["PRE_COMMIT_HOME"] = cache.path
        return environment
    }

    func commit(_ repo: TemporaryGitRepository, _ paths: String...) throws -> CommandResult {
        try repo.git(["add"] + paths)
        return try run("git", ["commit", "-q", "-m", "change"], in: repo.path, environment: repo.environment)
    }

    /// A tracked input removed with `git rm` used to pass, taken for untracked data absent
    /// from this machine; verify let the commit through too.
    @Test func deletingATrackedInputIsCaughtByTheHookAndByVerify() throws {
        let repo = try Self.project()
        try repo.git("rm", "-q", "train.py")
        let blocked = try run("git", ["commit", "-q", "-m", "drop train.py"], in: repo.path, environment: repo.environment)
        #expect(blocked.status != 0, "\(blocked)")
        #expect(blocked.stderr.contains("input 'train.py' of 'train' is deleted by what is staged, but .recipes/train.lock pins it"), "\(blocked)")
        try repo.git("commit", "-q", "--no-verify", "-m", "drop train.py")
        let verify = try repo.recipe("verify", "HEAD~1..HEAD")
        #expect(verify.status == 1, "\(verify)")
        #expect(verify.stderr.contains("input 'train.py' of 'train' is deleted by this commit"), "\(verify)")
        #expect(!verify.stderr.contains("not on this machine"), "\(verify)")
    }

    /// Once the watch cache knows which recipe watches what, a change loads and checks only
    /// the recipes it touches — and a lock staged with it does not invalidate the cache.
    @Test func withTheWatchCacheOnlyTheTouchedRecipeIsChecked() throws {
        let repo = try Self.project()
        try repo.write(".recipes/other.yaml", "version: 1\nseed: 1\nsteps:\n  s: {run: cat other.txt, inputs: [other.txt]}\n")
        try repo.write("other.txt", "1\n")
        #expect(try repo.recipe("lock").status == 0)
        #expect(try commit(repo, ".").status == 0)
        let key = try repo.read(".git/recipes/watch-cache").prefix(64)
        #expect(try repo.read(".git/recipes/watch-cache").contains("\nother\tother.txt\n"))
        // other's input changes without its lock, and is not staged: train's change is judged alone.
        try repo.write("other.txt", "2\n")
        try repo.write("train.py", "print(3)\n")
        let stale = try commit(repo, "train.py")
        #expect(stale.status != 0)
        #expect(stale.stderr.hasPrefix("error: .recipes/train.lock does not match the staged content of 'train':"), "\(stale)")
        #expect(!stale.stderr.contains("other"))
        #expect(try repo.recipe("lock", "train").status == 0)
        let fresh = try commit(repo, "train.py", ".recipes/train.lock")
        #expect(fresh.status == 0, "\(fresh)")
        #expect(try repo.read(".git/recipes/watch-cache").prefix(64) == key, "staging a lock keeps the key")
        let otherStale = try commit(repo, "other.txt")
        #expect(otherStale.status != 0)
        #expect(otherStale.stderr.hasPrefix("error: .recipes/other.lock does not match the staged content of 'other':"), "\(otherStale)")
    }

    /// With the cache right, only the watched paths are compared with HEAD: a file deep under
    /// a watched directory is still seen, and one beside it (`src2/`) is not taken for it.
    @Test func withTheWatchCacheAFileUnderAWatchedDirectoryIsSeen() throws {
        let repo = try Self.project()
        try repo.write(".recipes/lib.yaml", "version: 1\nseed: 1\nsteps:\n  s: {run: ls src, inputs: [src/]}\n")
        try repo.write("src/deep/module.py", "A = 1\n")
        try repo.write("src2/module.py", "B = 1\n")
        #expect(try repo.recipe("lock").status == 0)
        #expect(try commit(repo, ".").status == 0)
        #expect(try repo.read(".git/recipes/watch-cache").contains("\nlib\tsrc/\n"))
        try repo.write("src2/module.py", "B = 2\n")
        #expect(try commit(repo, "src2/module.py").status == 0, "src2/ is not watched")
        try repo.write("src/deep/module.py", "A = 2\n")
        let stale = try commit(repo, "src/deep/module.py")
        #expect(stale.status != 0)
        #expect(stale.stderr.hasPrefix("error: .recipes/lib.lock does not match the staged content of 'lib':\n  input 'src/': sha256:"), "\(stale)")
    }

    @Test func aStaleLockIsBlockedWithTheExactFix() throws {
        let repo = try Self.project()
        try repo.write("train.py", "print(2)\n")
        let result = try commit(repo, "train.py")
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("error: .recipes/train.lock does not match the staged content of 'train':\n  input 'train.py': sha256:"))
        #expect(
            result.stderr.contains(
                "  run: git recipe lock train && git add .recipes/train.lock\n(to go ahead anyway, knowingly: git commit --no-verify)\n"))
        #expect(try repo.recipe("lock").status == 0)
        #expect(try commit(repo, "train.py", ".recipes/train.lock").status == 0, "a fresh lock passes")
    }

    @Test func aChangeToUnrelatedFilesPasses() throws {
        let repo = try Self.project()
        try repo.write("README.md", "# notes\n")
        let result = try commit(repo, "README.md")
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.isEmpty)
    }

    @Test func theStagedVersionIsJudgedNotTheWorkingTree() throws {
        let repo = try Self.project()
        try repo.write("train.py", "print(2)\n")
        #expect(try repo.recipe("lock").status == 0)
        try repo.git("add", "train.py", ".recipes/train.lock")
        try repo.write("train.py", "print(3)  # edited again, not staged\n")
        let passes = try run("git", ["commit", "-q", "-m", "staged version matches its lock"], in: repo.path, environment: repo.environment)
        #expect(passes.status == 0, "\(passes)")
        // The other way round: the lock matches the working tree, not what is staged.
        #expect(try repo.recipe("lock").status == 0)
        try repo.git("add", ".recipes/train.lock")
        try repo.git("add", "train.py")
        try repo.write("train.py", "print(4)\n")
        try repo.git("add", "train.py")
        try repo.write("train.py", "print(3)  # edited again, not staged\n")
        let blocked = try run("git", ["commit", "-q", "-m", "lock matches the disk only"], in: repo.path, environment: repo.environment)
        #expect(blocked.status != 0)
        #expect(blocked.stderr.contains("input 'train.py'"))
    }

    @Test func policiesAreEnforcedOnWhatIsStaged() throws {
        let repo = try Self.project()
        try repo.write("requirements.txt", "numpy>=2\n")
        var result = try commit(repo, "requirements.txt")
        #expect(result.stderr.hasPrefix("requirements.txt:1:1: error: 'numpy>=2' is not pinned exactly; write numpy==VERSION"))
        try repo.git("reset", "-q")
        try repo.write("requirements.txt", "numpy==2.4.6\n")

        try repo.write(".recipes/train.yaml", Self.recipe.replacingOccurrences(of: "seed: 1\n", with: ""))
        result = try commit(repo, ".recipes/train.yaml")
        #expect(result.stderr.hasPrefix(".recipes/train.yaml:1:1: error: recipe 'train' has no seed"))
        try repo.git("checkout", "-q", "HEAD", "--", ".recipes/train.yaml")

        try repo.write(
            ".recipes/train.yaml",
            Self.recipe.replacingOccurrences(
                of: "environment: {files: [requirements.txt]}", with: "environment: {files: [requirements.txt], image: ghcr.io/org/train:latest}"))
        result = try commit(repo, ".recipes/train.yaml")
        #expect(result.stderr.contains("error: image 'ghcr.io/org/train:latest' is not pinned by digest"))
        try repo.git("checkout", "-q", "HEAD", "--", ".recipes/train.yaml")

        try repo.write(".gitignore", "data/\n")
        try repo.write("models/model.pkl", "weights")
        try repo.git("add", "-f", "models/model.pkl")
        result = try commit(repo, ".gitignore")
        #expect(
            result.stderr.contains(
                "error: output 'models/' of 'train' is tracked by git ('models/model.pkl'); outputs are results, not sources: run: git rm -r --cached models/ && echo 'models/' >> .gitignore"
            ))
        try repo.git("rm", "-q", "--cached", "models/model.pkl")
        result = try commit(repo, ".gitignore")
        #expect(
            result.stderr.contains(
                "error: output 'models/' of 'train' is not ignored by git, so a run would leave the tree dirty; run: echo 'models/' >> .gitignore && git add .gitignore"
            ))
    }

    @Test func installRespectsCoreHooksPathIsIdempotentAndUninstallRestores() throws {
        let repo = try TemporaryGitRepository()
        try repo.git("config", "core.hooksPath", "my-hooks")
        let original = "#!/bin/sh\necho existing hook ran\n"
        try repo.write("my-hooks/pre-commit", original)
        chmod("\(repo.path)/my-hooks/pre-commit", 0o755)
        let install = try repo.recipe("hook", "install")
        #expect(
            install.stdout
                == "installed \(repo.path)/my-hooks/pre-commit; the hook that was there runs first (pre-commit.before-git-recipe)\ninstalled \(repo.path)/my-hooks/pre-push\n"
        )
        #expect(try repo.read("my-hooks/pre-commit.before-git-recipe") == original)
        let installed = try repo.read("my-hooks/pre-commit")
        #expect(
            try repo.recipe("hook", "install").stdout
                == "\(repo.path)/my-hooks/pre-commit is already installed\n\(repo.path)/my-hooks/pre-push is already installed\n")
        #expect(try repo.read("my-hooks/pre-commit") == installed)
        // An older version's script is replaced; the hook it chained stays chained.
        try repo.write("my-hooks/pre-commit", installed.replacingOccurrences(of: "pre_commit_fast_path ||", with: ""))
        #expect(
            try repo.recipe("hook", "install").stdout
                == "updated \(repo.path)/my-hooks/pre-commit to this version's script\n\(repo.path)/my-hooks/pre-push is already installed\n")
        #expect(try repo.read("my-hooks/pre-commit") == installed)
        #expect(try repo.read("my-hooks/pre-commit.before-git-recipe") == original)
        let uninstall = try repo.recipe("hook", "uninstall")
        #expect(
            uninstall.stdout
                == "removed \(repo.path)/my-hooks/pre-commit and put back the hook that was there before\nremoved \(repo.path)/my-hooks/pre-push\n")
        #expect(try repo.read("my-hooks/pre-commit") == original)
        #expect(!repo.directory.exists("my-hooks/pre-commit.before-git-recipe"))
        #expect(try FileManager.default.attributesOfItem(atPath: "\(repo.path)/my-hooks/pre-commit")[.posixPermissions] as? Int == 0o755)
    }

    @Test(arguments: [true, false])
    func anExistingHookIsChainedAndItsFailureBlocks(existingPasses: Bool) throws {
        let repo = try TemporaryGitRepository()
        try repo.write(".git/hooks/pre-commit", "#!/bin/sh\necho existing hook ran >&2\nexit \(existingPasses ? 0 : 1)\n")
        chmod("\(repo.path)/.git/hooks/pre-commit", 0o755)
        #expect(try repo.recipe("hook", "install").status == 0)
        try repo.write("a.txt", "a")
        let result = try commit(repo, "a.txt")
        #expect(result.stderr.contains("existing hook ran"))
        #expect((result.status == 0) == existingPasses)
    }

    @Test func aHookThatCannotBeKeptSafelyIsLeftAloneUnlessForced() throws {
        let repo = try TemporaryGitRepository()
        try repo.write(".git/hooks/pre-commit", "#!/bin/sh\nexit 0\n")
        try repo.write(".git/hooks/pre-commit.before-git-recipe", "#!/bin/sh\nexit 0\n")
        let refused = try repo.recipe("hook", "install")
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "warning: left \(repo.path)/.git/hooks/pre-commit alone: \(repo.path)/.git/hooks/pre-commit.before-git-recipe already exists"))
        #expect(try repo.read(".git/hooks/pre-commit") == "#!/bin/sh\nexit 0\n")
        #expect(try repo.recipe("hook", "install", "--force").status == 0)
    }

    @Test func aCommitInALinkedWorktreeRunsTheSharedHook() throws {
        let repo = try Self.project()
        let parent = try TemporaryDirectory()
        try repo.git("worktree", "add", "-q", "\(parent.path)/wt", "-b", "feature")
        try parent.write("wt/train.py", "print('feature')\n")
        _ = try run("git", ["add", "train.py"], in: "\(parent.path)/wt", environment: repo.environment)
        let result = try run("git", ["commit", "-q", "-m", "feature"], in: "\(parent.path)/wt", environment: repo.environment)
        #expect(result.status != 0)
        #expect(result.stderr.contains("input 'train.py'"))
    }

    @Test func initInstallsTheHookUnlessAskedNotTo() throws {
        let repo = try TemporaryGitRepository()
        #expect(try repo.recipe("init", "--no-hooks").status == 0)
        #expect(!repo.directory.exists(".git/hooks/pre-commit"))
        let other = try TemporaryGitRepository()
        let result = try other.recipe("init")
        #expect(result.stdout.contains("installed \(other.path)/.git/hooks/pre-commit\n"))
    }

    /// The pre-commit framework itself, running our hook from .pre-commit-hooks.yaml.
    @Test func thePreCommitFrameworkRunsRecipeCheck() throws {
        let repo = try Self.project()
        try FileManager.default.removeItem(atPath: "\(repo.path)/.git/hooks/pre-commit")
        let cache = try TemporaryDirectory()
        let environment = try Self.usePreCommitFramework(in: repo, hook: "recipe-check", cache: cache)
        let install = try run("python3", ["-m", "pre_commit", "install"], in: repo.path, environment: environment)
        #expect(install.status == 0, "pre-commit must be installed (pip install pre-commit): \(install)")
        try repo.git("add", ".pre-commit-config.yaml")
        try repo.write("train.py", "print(2)\n")
        try repo.git("add", "train.py")
        let result = try run("git", ["commit", "-q", "-m", "stale"], in: repo.path, environment: environment)
        #expect(result.status != 0)
        #expect((result.stdout + result.stderr).contains("does not match the staged content of 'train'"))
    }
}

/// The installed pre-commit script answers "nothing relevant staged" itself, from the watch
/// cache git-recipe leaves, and must fall through to git-recipe whenever it is not sure.
@Suite("The pre-commit hook's shell fast path")
struct HookFastPathTests {
    /// Runs the installed hook with no git-recipe on PATH: exit 0 means the script decided
    /// alone; anything else means it needed git-recipe.
    func hookWithoutGitRecipe(_ repo: TemporaryGitRepository) throws -> Int32 {
        var environment = repo.environment
        environment["PATH"] = "/usr/bin:/bin"
        return try run("sh", [".git/hooks/pre-commit"], in: repo.path, environment: environment).status
    }

    func primed() throws -> TemporaryGitRepository {
        let repo = try HookTests.project()
        try repo.write("README.md", "# one\n")
        try repo.git("add", "README.md")
        try repo.git("commit", "-q", "-m", "writes the watch cache")  // through the full check
        #expect(repo.directory.exists(".git/recipes/watch-cache"))
        return repo
    }

    /// The script calls `git-recipe`, not `git recipe`: git puts its exec-path first on the
    /// PATH of the hooks it runs, so a git-recipe installed only there still checks the commit.
    @Test func gitRecipeOnlyInGitsExecPathStillChecks() throws {
        let repo = try primed()
        try repo.write("train.py", "print('stale')\n")
        try repo.git("add", "train.py")
        let execPath = try TemporaryDirectory()
        let gitCore = try repo.git("--exec-path")
        for name in try FileManager.default.contentsOfDirectory(atPath: gitCore) {
            try FileManager.default.createSymbolicLink(atPath: "\(execPath.path)/\(name)", withDestinationPath: "\(gitCore)/\(name)")
        }
        try FileManager.default.createSymbolicLink(
            atPath: "\(execPath.path)/git-recipe", withDestinationPath: "\(BuiltProducts.directory)/git-recipe")
        var environment = repo.environment
        environment["PATH"] = "/usr/bin:/bin"
        environment["GIT_EXEC_PATH"] = execPath.path
        let result = try run("git", ["commit", "-q", "-m", "stale"], in: repo.path, environment: environment)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: .recipes/train.lock does not match the staged content of 'train':"), "\(result)")
    }

    @Test func anUnrelatedChangeNeedsNoGitRecipe() throws {
        let repo = try primed()
        try repo.write("README.md", "# two\n")
        try repo.git("add", "README.md")
        #expect(try hookWithoutGitRecipe(repo) == 0)
    }

    @Test func aWatchedPathARenameOrAChangedProjectFallsThrough() throws {
        let repo = try primed()
        try repo.write("train.py", "print('changed')\n")
        try repo.git("add", "train.py")
        #expect(try hookWithoutGitRecipe(repo) != 0, "a staged input")
        try repo.git("reset", "-q", "--hard")
        try repo.git("mv", "train.py", "moved.py")
        #expect(try hookWithoutGitRecipe(repo) != 0, "a watched file renamed away")
        try repo.git("reset", "-q", "--hard")
        try repo.write(".recipes/notes.txt", "x")
        try repo.write("README.md", "# three\n")
        try repo.git("add", ".recipes/notes.txt", "README.md")
        #expect(try hookWithoutGitRecipe(repo) != 0, "a changed .recipes/ invalidates the cache")
        try repo.git("reset", "-q", "--hard")
        try repo.write("data/new.csv", "5,6\n")  // ignored data: not staged, nothing to do
        try repo.write("odd name \"quoted\".txt", "x")
        try repo.git("add", "odd name \"quoted\".txt")
        #expect(try hookWithoutGitRecipe(repo) != 0, "a path git quotes is not trusted to the script")
    }
}

extension HookTests {
    /// A file whose stat matches what the index recorded is taken from disk (through the
    /// hash cache) rather than read from its blob; a same-size edit with its mtime put back
    /// changes its ctime, so it is read from the blob and judged by what is staged.
    @Test func filesUnchangedSinceStagingComeFromDiskAndChangedOnesFromTheirBlobs() throws {
        let repo = try Self.project()
        let touch = { (path: String) in
            _ = try run("touch", ["-d", "2020-01-01 00:00:00", "\(repo.path)/\(path)"], in: repo.path, environment: repo.environment)
        }
        try repo.write("train.py", "print('A')\n")
        try touch("train.py")
        #expect(try repo.recipe("lock").status == 0)
        try repo.git("add", "train.py", ".recipes/train.lock")
        #expect(try run("git", ["commit", "-q", "-m", "A"], in: repo.path, environment: repo.environment).status == 0)
        // git compares stat times in whole seconds: a same-size rewrite within the second
        // with its mtime put back would not even be staged by `git add`.
        Thread.sleep(forTimeInterval: 1.1)
        try repo.write("train.py", "print('B')\n")
        try touch("train.py")
        #expect(try repo.recipe("lock").status == 0)
        try repo.git("add", "train.py", ".recipes/train.lock")
        Thread.sleep(forTimeInterval: 1.1)
        try repo.write("train.py", "print('C')\n")  // same size, unstaged, mtime put back
        try touch("train.py")
        let result = try run("git", ["commit", "-q", "-m", "B is staged and locked"], in: repo.path, environment: repo.environment)
        #expect(result.status == 0, "\(result)")
    }
}

extension HookTests {
    /// `git commit -a` and `git commit PATH` stage into a temporary index that git names in
    /// GIT_INDEX_FILE; the hook must judge that one, not .git/index.
    @Test(arguments: [["-a"], ["train.py"]])
    func aTemporaryIndexIsWhatIsJudged(arguments: [String]) throws {
        let repo = try Self.project()
        try repo.write("train.py", "print('unstaged, stale')\n")
        let result = try run("git", ["commit", "-q", "-m", "stale"] + arguments, in: repo.path, environment: repo.environment)
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("input 'train.py'"))
    }
}
