import Foundation
import Testing
import TestSupport

/// `git recipe init` through the real git CLI and the built binary.
@Suite("git recipe init")
struct InitCommandTests {
    static let minimalFiles = [
        ".gitignore", ".recipes/components/evaluate.yaml", ".recipes/config.yaml", ".recipes/train.yaml",
        "evaluate.py", "generate.py", "linear.py", "train.py",
    ]

    @Test func scaffoldsTheProjectIgnoresOutputsAndSetsTheNotesMergeStrategy() throws {
        let repo = try TemporaryGitRepository()
        try repo.write(".gitignore", "*.log\n")
        let result = try repo.recipe("init")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == Self.minimalFiles.map { "wrote \($0)\n" }.joined()
            + "installed \(repo.path)/.git/hooks/pre-commit\ninstalled \(repo.path)/.git/hooks/pre-push\n"
            + "next: git recipe lock && git add -A && git commit -m 'Add recipes'\n")
        #expect(try repo.read(".gitignore") == "*.log\ndata/\nmodels/\nmetrics/\n__pycache__/\n")
        #expect(try repo.git("config", "--get", "notes.recipes.mergeStrategy") == "union")
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
        #expect(again.stdout.hasPrefix("nothing to do: the 'minimal' template is already in place\n\(repo.path)/.git/hooks/pre-commit is already installed\n"))
        #expect(try repo.git("status", "--porcelain") == "")
    }

    @Test func refusesToOverwriteAndWritesNothingAtAll() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("train.py", "# my own training script\n")
        let result = try repo.recipe("init")
        #expect(result.status == 1)
        #expect(result.stderr == """
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
}
