import Foundation
import TestSupport
import Testing

/// `git recipe merge-driver` under a real `git merge`: locks relocked on two branches merge
/// entry by entry (dvc#1015's conflicts), and a real conflict says which entry and the fix.
@Suite("Merging locks")
struct LockMergeTests {
    static let recipe = """
        version: 1
        seed: 1
        steps:
          s: {run: cat a.txt b.txt > out.txt, inputs: [a.txt, b.txt], outputs: [out.txt]}

        """

    /// A project adopted by `init --adopt` (driver and .gitattributes), locked and committed.
    static func project() throws -> TemporaryGitRepository {
        let repo = try RunCommandTests.project(recipe, files: ["a.txt": "a\n", "b.txt": "b\n"], ignore: "out.txt\n")
        let adopted = try repo.recipe("init", "--adopt")
        #expect(adopted.status == 0, "\(adopted)")
        #expect(try repo.read(".gitattributes") == ".recipes/*.lock merge=recipe-lock\n")
        #expect(try repo.git("config", "merge.recipe-lock.driver") == "git recipe merge-driver %O %A %B %P")
        try repo.commitAll("adopt")
        return repo
    }

    /// Writes `contents` to `file`, relocks and commits on the current branch.
    static func change(_ repo: TemporaryGitRepository, _ file: String, _ contents: String) throws {
        try repo.write(file, contents)
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("change \(file)")
    }

    /// A project where branch `feature` and then `main` each changed a file and relocked;
    /// `git merge feature` on main, and its result.
    static func mergeBranches(feature: (file: String, contents: String), main: (file: String, contents: String)) throws -> (
        repo: TemporaryGitRepository, merged: CommandResult
    ) {
        let repo = try project()
        try repo.git("checkout", "-q", "-b", "feature")
        try change(repo, feature.file, feature.contents)
        try repo.git("checkout", "-q", "main")
        try change(repo, main.file, main.contents)
        return (repo, try run("git", ["merge", "--no-edit", "feature"], in: repo.path, environment: repo.environment))
    }

    @Test func locksRelockedForDifferentInputsMergeCleanlyIntoTheLockLockWouldWrite() throws {
        let (repo, merged) = try Self.mergeBranches(feature: ("a.txt", "a from feature\n"), main: ("b.txt", "b from main\n"))
        #expect(merged.status == 0, "the lock merged entry by entry: \(merged)")
        let lock = try repo.read(".recipes/r.lock")
        #expect(try repo.recipe("lock", "--check").status == 0, "the merged lock pins both changes")
        #expect(try repo.recipe("lock").status == 0)
        #expect(try repo.read(".recipes/r.lock") == lock, "byte for byte what git recipe lock writes")
    }

    @Test func anInputPinnedDifferentlyOnBothBranchesIsAConflictNamingItAndTheFix() throws {
        let (repo, merged) = try Self.mergeBranches(feature: ("a.txt", "a from feature\n"), main: ("a.txt", "a from main\n"))
        #expect(merged.status != 0)
        #expect(
            try repo.git("diff", "--name-only", "--diff-filter=U").split(separator: "\n").contains(".recipes/r.lock"), "git sees the lock conflicted")
        let check = try repo.recipe("lock", "--check")
        #expect(check.status != 0, "\(check)")
        #expect(
            check.stderr.contains(".recipes/r.lock holds a merge conflict — both branches pinned these differently: input 'a.txt': sha256:"),
            "\(check)")
        #expect(check.stderr.contains("git recipe lock r && git add .recipes/r.lock"), "\(check)")

        // Resolved as the message says.
        try repo.write("a.txt", "a from both\n")
        #expect(try repo.recipe("lock", "r").status == 0)
        try repo.git("add", "-A")
        #expect(try repo.recipe("lock", "--check").status == 0)
    }

    @Test func aSideWhoseDigestDoesNotMatchIsAConflictNeverAQuietMerge() throws {
        let directory = try TemporaryDirectory()
        let repo = try Self.project()
        let good = try repo.read(".recipes/r.lock")
        let edited = good.replacingOccurrences(of: "seed: 1", with: "seed: 2")
        for (name, text) in [("base", good), ("ours", good), ("theirs", edited)] { try directory.write(name, text) }
        let driver = try repo.recipe(
            "merge-driver", "\(directory.path)/base", "\(directory.path)/ours", "\(directory.path)/theirs", ".recipes/r.lock")
        #expect(driver.status == 1, "\(driver)")
        #expect(driver.stderr.contains("the theirs side's lock"), "\(driver)")
        #expect(try directory.read("ours").hasPrefix("# git recipe merge-driver: both branches pinned these entries differently:"))
    }
}
