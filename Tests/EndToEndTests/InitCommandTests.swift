import Foundation
import TestSupport
import Testing

/// `git recipe init` through the real git CLI and the built binary.
@Suite("git recipe init")
struct InitCommandTests {
    static let minimalFiles = [
        ".gitattributes", ".gitignore", ".recipes/components/evaluate.yaml", ".recipes/config.yaml", ".recipes/train.yaml",
        "evaluate.py", "generate.py", "linear.py", "train.py",
    ]

    @Test func scaffoldsTheProjectIgnoresOutputsAndSetsTheNotesMergeStrategy() throws {
        let repo = try TemporaryGitRepository()
        try repo.write(".gitignore", "*.log\n")
        let result = try repo.recipe("init")
        #expect(result.status == 0, "\(result)")
        #expect(
            result.stdout == Self.minimalFiles.map { "wrote \($0)\n" }.joined()
                + "installed \(repo.path)/.git/hooks/pre-commit\ninstalled \(repo.path)/.git/hooks/pre-push\n"
                + "next: git recipe lock && git add -A && git commit -m 'Add recipes'\n")
        #expect(try repo.read(".gitignore") == "*.log\ndata/\nmodels/\nmetrics/\n__pycache__/\n")
        #expect(try repo.git("config", "--get", "notes.recipes.mergeStrategy") == "union")
        #expect(try repo.git("config", "--get", "notes.recipes-attestations.mergeStrategy") == "union")
        #expect(try repo.git("config", "--get-all", "notes.rewriteRef") == "refs/notes/recipes\nrefs/notes/recipes-attestations")
        let displayRef = try run("git", ["config", "--get-all", "notes.displayRef"], in: repo.path, environment: repo.environment)
        #expect(displayRef.status == 1, "notes.displayRef is the user's to set")
        let validate = try repo.recipe("validate")
        #expect(validate.status == 0, "\(validate)")
        #expect(validate.stdout == "train: ok (3 steps)\n")
    }

    @Test func runningItTwiceChangesNothing() throws {
        let repo = try TemporaryGitRepository()
        #expect(try repo.recipe("init").status == 0)
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("scaffold")
        let again = try repo.recipe("init")
        #expect(again.status == 0)
        #expect(
            again.stdout.hasPrefix(
                "nothing to do: the 'minimal' template is already in place\n\(repo.path)/.git/hooks/pre-commit is already installed\n"))
        #expect(try repo.git("status", "--porcelain") == "")
    }

    @Test func refusesToOverwriteAndWritesNothingAtAll() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("train.py", "# my own training script\n")
        let result = try repo.recipe("init")
        #expect(result.status == 1)
        #expect(
            result.stderr == """
                error: these files exist and differ from the template, so nothing was written:
                  train.py
                move them away, or run: git recipe init --force (which overwrites them)

                """)
        #expect(try repo.read("train.py") == "# my own training script\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: repo.path).sorted() == [".git", "train.py"])
        let notesConfig = try run("git", ["config", "--get", "notes.recipes.mergeStrategy"], in: repo.path, environment: repo.environment)
        #expect(notesConfig.status == 1, "a refused init changes no configuration either")
    }

    @Test func forceOverwritesDifferingFiles() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("train.py", "# mine\n")
        let result = try repo.recipe("init", "--force")
        #expect(result.status == 0, "\(result)")
        #expect(try repo.read("train.py").contains("Fits the linear model"))
    }

    @Test func theSklearnTemplateScaffoldsAndValidates() throws {
        let repo = try TemporaryGitRepository()
        #expect(try repo.recipe("init", "--template", "sklearn").status == 0)
        #expect(try repo.read("requirements.txt").contains("scikit-learn=="))
        let validate = try repo.recipe("validate")
        #expect(validate.status == 0, "\(validate)")
    }

    @Test func anUnknownTemplateIsInvalidInput() throws {
        let repo = try TemporaryGitRepository()
        let result = try repo.recipe("init", "--template", "pytorch")
        #expect(result.status == 2)
        #expect(result.stderr == "error: unknown template 'pytorch'; templates: minimal, sklearn\n")
    }

    @Test func worksFromAnyDirectoryBecauseTheBinaryCarriesItsTemplates() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("src/.keep", "")
        let elsewhere = try TemporaryDirectory()
        let copy = "\(elsewhere.path)/git-recipe"
        try FileManager.default.copyItem(atPath: "\(BuiltProducts.directory)/git-recipe", toPath: copy)
        let result = try run(copy, ["init"], in: "\(repo.path)/src", environment: repo.environment)
        #expect(result.status == 0, "\(result)")
        #expect(repo.directory.exists(".recipes/train.yaml"))
    }
}

/// Each template, scaffolded and committed, locks and checks fresh on this machine.
@Suite("Templates lock")
struct TemplateLockTests {
    @Test(arguments: ["minimal", "sklearn"])
    func aScaffoldedTemplateLocksAndStaysFresh(template: String) throws {
        let repo = try TemporaryGitRepository()
        #expect(try repo.recipe("init", "--template", template).status == 0)
        let lock = try repo.recipe("lock")
        #expect(lock.status == 0, "\(lock)")
        #expect(lock.stdout == "train: wrote .recipes/train.lock\n")
        try repo.commitAll("scaffold, locked (through the pre-commit hook init installed)")
        #expect(try repo.recipe("lock", "--check").stdout == "train: lock is fresh\n")
        #expect(try repo.recipe("status").stdout.hasPrefix("train: lock fresh; no succeeded run on HEAD for this lock"))
        #expect(try repo.read(".recipes/train.lock").contains("  probes:\n    python: Python 3."))
    }

    /// Kedro keeps raw data in git with `!data/01_raw/` under `data/*`: an appended `data/`
    /// would hide it, since git cannot re-include a file whose directory is excluded.
    static let kedroIgnore = "data/*\n!data/01_raw/\n!data/01_raw/**\n*.log\n"

    @Test func adoptingConfiguresAProjectAndChangesNoneOfItsFiles() throws {
        let repo = try TemporaryGitRepository()
        try repo.write(".gitignore", Self.kedroIgnore)
        try repo.write("train.py", "print('mine')\n")
        try repo.write("data/01_raw/iris.csv", "a,b\n1,2\n")
        try repo.commitAll("a project of its own")
        try repo.git("remote", "add", "origin", "https://example.invalid/project.git")
        let result = try repo.recipe("init", "--adopt")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("wrote .recipes/config.yaml\nwrote .gitattributes\n"), "\(result)")
        #expect(try repo.git("status", "--porcelain") == "?? .gitattributes\n?? .recipes/", "nothing but the settings is new")
        #expect(try repo.read(".gitattributes") == ".recipes/*.lock merge=recipe-lock\n", "locks merge entry by entry")
        #expect(try repo.git("config", "--get", "merge.recipe-lock.driver") == "git recipe merge-driver %O %A %B %P")
        #expect(try repo.read(".gitignore") == Self.kedroIgnore)
        #expect(try repo.read("train.py") == "print('mine')\n")
        #expect(FileManager.default.fileExists(atPath: "\(repo.path)/.git/hooks/pre-commit"))
        #expect(try repo.git("config", "--get", "notes.recipes.mergeStrategy") == "union")
        #expect(try repo.git("config", "--get-all", "notes.rewriteRef") == "refs/notes/recipes\nrefs/notes/recipes-attestations")
        #expect(try repo.git("config", "--get-all", "remote.origin.fetch").contains("+refs/notes/recipes:refs/notes/remotes/origin/recipes"))
        #expect(
            try repo.git("config", "--get-all", "remote.origin.fetch").contains(
                "+refs/notes/recipes-attestations*:refs/notes/remotes/origin/recipes-attestations*"))
        #expect(try repo.recipe("validate").status == 0, "the settings it wrote are valid")
        let again = try repo.recipe("init", "--adopt")
        #expect(again.status == 0)
        #expect(try repo.read(".gitattributes") == ".recipes/*.lock merge=recipe-lock\n", "idempotent")
        #expect(try repo.git("config", "--get-all", "remote.origin.fetch").split(separator: "\n").count == 3, "idempotent")
    }

    @Test func aTemplateNeverOverridesTheProjectsOwnIgnoreRules() throws {
        let repo = try TemporaryGitRepository()
        try repo.write(".gitignore", Self.kedroIgnore)
        let result = try repo.recipe("init", "--template", "sklearn", "--no-hooks")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("left 'data/' out of .gitignore"), "\(result)")
        #expect(try repo.read(".gitignore") == Self.kedroIgnore + "models/\nmetrics/\n__pycache__/\n")
        try repo.write("data/01_raw/iris.csv", "a,b\n")
        #expect(try repo.git("status", "--porcelain", "--untracked-files=all", "data").contains("data/01_raw/iris.csv"))
    }

    @Test func ciCanBeAddedToAnInitialisedProject() throws {
        let repo = try TemporaryGitRepository()
        #expect(try repo.recipe("init", "--no-hooks").status == 0)
        try repo.write("train.py", "# edited since init\n")
        let result = try repo.recipe("init", "--ci", "github", "--no-hooks")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("wrote .github/"), "\(result)")
        #expect(try repo.read("train.py") == "# edited since init\n")
    }

    /// `notes.rewriteRef` is what carries runs across an amend; a clone that only ran
    /// `hook install` lost them from `log`.
    @Test func anAmendAfterHookInstallKeepsRunsVisible() throws {
        let repo = try RunCommandTests.project(RunCommandTests.echo)
        try run("git", ["config", "--unset-all", "notes.rewriteRef"], in: repo.path, environment: repo.environment)
        #expect(try repo.recipe("hook", "install").status == 0)
        #expect(try repo.recipe("run", "r").status == 0)
        try repo.git("commit", "-q", "--amend", "-m", "lock, reworded")
        let log = try repo.recipe("log")
        #expect(log.stdout.contains("(inherited from "), "\(log)")
    }

    @Test func aFreshCloneWithoutRunRecordsNamesPull() throws {
        let (remote, a, b) = try NotesSyncTests.clones()
        defer { withExtendedLifetime(remote) {} }
        try NotesSyncTests.record(a, runs: 1)
        #expect(try a.recipe("push").status == 0)
        let empty = try b.recipe("log")
        #expect(empty.status == 0)
        #expect(empty.stderr == "hint: no run records here; a clone does not bring them: if 'origin' has some, run: git recipe pull\n")
        #expect(try b.recipe("init", "--adopt", "--no-hooks").status == 0)
        try b.git("fetch", "-q", "origin")
        #expect(
            try b.recipe("log").stderr.contains(
                "'origin' has some (fetched to refs/notes/remotes/origin/recipes); merge them: git recipe pull origin"))
        #expect(try b.recipe("pull").status == 0)
        let log = try b.recipe("log")
        #expect(log.stderr.isEmpty && log.stdout.contains(" r "), "\(log)")
    }
}
