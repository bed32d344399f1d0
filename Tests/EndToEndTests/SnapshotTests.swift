import Foundation
import TestSupport
import Testing

/// `run --snapshot`, `promote`, `log --snapshots`: a dirty work tree runs as
/// a commit of its own, under refs/recipes/snapshots/, and nothing of the user's moves.
@Suite("Snapshot runs")
struct SnapshotTests {
    /// A recipe whose metric is the length of code.py, so a run shows which version it saw.
    static let recipe = """
        version: 1
        seed: 0
        steps:
          measure:
            run: python3 measure.py
            inputs: [code.py, measure.py]
            metrics: [out/metrics.json]

        """
    static let measure = """
        import json, os
        os.makedirs("out", exist_ok=True)
        json.dump({"length": len(open("code.py").read())}, open("out/metrics.json", "w"))

        """

    static func project() throws -> TemporaryGitRepository {
        try RunCommandTests.project(Self.recipe, files: ["code.py": "a = 1\n", "measure.py": Self.measure])
    }

    /// The one run on `revision`, from its note: id and the metric.
    static func run(on revision: String, in repo: TemporaryGitRepository) throws -> (id: String, length: String?) {
        let note = try repo.git("notes", "--ref=recipes", "show", revision)
        let id = note.split(separator: "\n").first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)).trimmingCharacters(in: ["\""]) }
        let length = note.split(separator: "\n").first { $0.hasPrefix("  length: ") }.map { String($0.dropFirst(10)) }
        return (id ?? "", length)
    }

    @Test func aSnapshotRunsTheDirtyTreeAsACommitAndTouchesNothingOfTheUsers() throws {
        let repo = try Self.project()
        let head = try repo.git("rev-parse", "HEAD")
        try repo.write("code.py", "a = 12345\n")
        try repo.write("scratch.txt", "untracked, not ignored\n")
        try repo.write("out/ignored.bin", "ignored\n")
        try repo.write("staged.txt", "staged\n")
        _ = try repo.git("add", "staged.txt")
        let index = try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/index"))
        let status = try repo.git("status", "--porcelain")

        let result = try repo.recipe("run", "r", "--snapshot", "-m", "try a longer a")
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("snapshot "), "\(result)")
        // Branch, index and work tree are as they were.
        #expect(try repo.git("rev-parse", "HEAD") == head)
        #expect(try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/index")) == index)
        #expect(try repo.git("status", "--porcelain") == status)
        #expect(try repo.read("code.py") == "a = 12345\n")
        #expect(try repo.git("worktree", "list").split(separator: "\n").count == 1)

        let refs = try repo.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/recipes/snapshots/")
        let parts = refs.split(separator: " ").map(String.init)
        #expect(parts.count == 2, "\(refs)")
        let snapshot = parts[1]
        #expect(parts[0] == "refs/recipes/snapshots/\(snapshot.prefix(12))")
        #expect(try repo.git("rev-parse", "\(snapshot)^") == head)
        #expect(try repo.git("log", "-1", "--format=%s", snapshot) == "try a longer a")
        // The snapshot holds the changes, the untracked file, the staged one, a fresh lock; not ignored files.
        let files = Set(try repo.git("ls-tree", "-r", "--name-only", snapshot).split(separator: "\n").map(String.init))
        #expect(files.isSuperset(of: ["code.py", "scratch.txt", "staged.txt", ".recipes/r.lock"]))
        #expect(!files.contains("out/ignored.bin"))
        #expect(try repo.git("show", "\(snapshot):code.py") == "a = 12345")
        let lockCheck = try repo.recipe("verify", snapshot)
        #expect(lockCheck.status == 0, "\(lockCheck)")
        // The run is recorded on the snapshot, and it saw the work tree's code.
        #expect(try ["10", "10.0"].contains(Self.run(on: snapshot, in: repo).length))
        let plainLog = try repo.recipe("log")
        #expect(!plainLog.stdout.contains(String(snapshot.prefix(12))), "\(plainLog)")
        let log = try repo.recipe("log", "--snapshots")
        #expect(log.stdout.contains(String(snapshot.prefix(12))) && log.stdout.contains("(snapshot: git recipe promote"), "\(log)")
    }

    @Test func promoteFastForwardsTheBranchToTheSnapshot() throws {
        let repo = try Self.project()
        try repo.write("code.py", "a = 12345\n")
        try repo.write("helper.py", "b = 2\n")
        let result = try repo.recipe("run", "r", "--snapshot")
        #expect(result.status == 0, "\(result)")
        let snapshot = try repo.git("for-each-ref", "--format=%(objectname)", "refs/recipes/snapshots/")
        let run = try Self.run(on: snapshot, in: repo)

        let promoted = try repo.recipe("promote", run.id)
        #expect(promoted.status == 0, "\(promoted)")
        #expect(try repo.git("rev-parse", "HEAD") == snapshot)
        #expect(try repo.git("symbolic-ref", "HEAD") == "refs/heads/main")
        // Nothing left to commit: the lock took the snapshot's, the rest already was.
        #expect(try repo.git("status", "--porcelain") == "")
        #expect(try repo.git("for-each-ref", "refs/recipes/snapshots/") == "")
        let log = try repo.recipe("log")
        #expect(log.stdout.contains(run.id), "\(log)")
        let again = try repo.recipe("run", "r")
        #expect(again.status == 0, "\(again)")
    }

    @Test func promoteRefusesWhatIsNotAFastForwardOrNotASnapshot() throws {
        let repo = try Self.project()
        let plain = try repo.recipe("run", "r")
        #expect(plain.status == 0)
        let plainRun = try Self.run(on: "HEAD", in: repo)
        let notSnapshot = try repo.recipe("promote", plainRun.id)
        #expect(notSnapshot.status == 1)
        #expect(notSnapshot.stderr.contains("is not a snapshot"), "\(notSnapshot)")

        try repo.write("code.py", "a = 12345\n")
        #expect(try repo.recipe("run", "r", "--snapshot").status == 0)
        let snapshot = try repo.git("for-each-ref", "--format=%(objectname)", "refs/recipes/snapshots/")
        let run = try Self.run(on: snapshot, in: repo)
        try repo.write("other.txt", "moved on\n")
        _ = try repo.git("add", "other.txt")
        let staged = try repo.recipe("promote", run.id)
        #expect(staged.status == 1)
        #expect(staged.stderr.contains("changes are staged (other.txt)"), "\(staged)")
        try repo.git("commit", "-q", "-m", "moved on")
        let moved = try repo.recipe("promote", run.id)
        #expect(moved.status == 1)
        #expect(moved.stderr.contains("promote only fast-forwards"), "\(moved)")
        #expect(try repo.git("log", "-1", "--format=%s") == "moved on")
    }

    @Test func aCleanTreeNeedsNoSnapshotAndABigFileIsNamed() throws {
        let repo = try Self.project()
        let clean = try repo.recipe("run", "r", "--snapshot")
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.stderr.contains("nothing to snapshot"), "\(clean)")
        #expect(try repo.git("for-each-ref", "refs/recipes/snapshots/") == "")

        try repo.write(".recipes/config.yaml", "version: 1\nsnapshots: {max_file_size: 1K}\n")
        try repo.commitAll("small snapshots")
        try repo.write("weights.bin", String(repeating: "x", count: 4096))
        let big = try repo.recipe("run", "r", "--snapshot")
        #expect(big.status == 0, "\(big)")
        #expect(big.stderr.contains("warning: snapshot: 'weights.bin' is 4.0 KiB"), "\(big)")
    }

    @Test func aSweepRunsOnTheSnapshotToo() throws {
        let repo = try Self.project()
        try repo.write("code.py", "a = 12345\n")
        let result = try repo.recipe("run", "r", "--snapshot", "--seeds", "0..2")
        #expect(result.status == 0, "\(result)")
        let snapshot = try repo.git("for-each-ref", "--format=%(objectname)", "refs/recipes/snapshots/")
        let note = try repo.git("notes", "--ref=recipes", "show", snapshot)
        #expect(note.components(separatedBy: "schema: git-recipe/run/v1").count - 1 == 3, "\(note)")
        #expect(try repo.git("worktree", "list").split(separator: "\n").count == 1)
    }

    @Test func snapshotsTravelWithTheRecordsAndGcDropsOldOnes() throws {
        let (remote, a, b) = try NotesSyncTests.clones()
        defer { withExtendedLifetime(remote) {} }
        try a.write("notes.txt", "an idea\n")
        #expect(try a.recipe("run", "r", "--snapshot").status == 0)
        let snapshot = try a.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/recipes/snapshots/")
        let push = try a.recipe("push")
        #expect(push.status == 0, "\(push)")
        let pull = try b.recipe("pull")
        #expect(pull.status == 0, "\(pull)")
        #expect(try b.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/recipes/snapshots/") == snapshot)
        #expect(try b.recipe("log", "--snapshots").stdout.contains("(snapshot: git recipe promote"))

        try b.write(".recipes/config.yaml", "version: 1\nsnapshots: {keep_days: 0}\n")
        try b.commitAll("keep no snapshot")
        Thread.sleep(forTimeInterval: 1.1)
        let dry = try b.recipe("gc", "--dry-run")
        #expect(dry.stdout.contains("would drop snapshot"), "\(dry)")
        #expect(try b.git("for-each-ref", "refs/recipes/snapshots/") != "")
        let gc = try b.recipe("gc")
        #expect(gc.stdout.contains("dropped snapshot"), "\(gc)")
        #expect(try b.git("for-each-ref", "refs/recipes/snapshots/") == "")
    }
}
