import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// What runs make is kept: `checkout` brings a recorded run's outputs back,
/// verified, and `gc` keeps what the policy and the pins say.
@Suite("The artifact store")
struct ArtifactStoreTests {
    /// A model file and a directory whose files depend on a param.
    static let recipe = """
        version: 1
        seed: 7
        params: {size: 1}
        steps:
          fit:
            run: mkdir -p out/parts && echo model size {{params.size}} seed "$RECIPE_SEED" > out/model.txt && for i in $(seq "$RECIPE_PARAM_SIZE"); do echo "part $i" > out/parts/p$i.txt; done
            outputs: [out/model.txt, out/parts/]

        """

    static func run(_ repo: TemporaryGitRepository, _ arguments: String...) throws -> String {
        let result = try repo.recipe(["run", "r"] + arguments)
        guard result.status == 0 else { throw CommandFailure(command: "git recipe run r", result: result) }
        return try #require(result.stdout.split(separator: " ").dropFirst().first.map(String.init), "\(result)")
    }

    /// Bumps the recipe's default size and commits it with a fresh lock.
    static func commitNewSize(_ repo: TemporaryGitRepository, _ size: Int) throws {
        try repo.write(".recipes/r.yaml", recipe.replacingOccurrences(of: "size: 1}", with: "size: \(size)}"))
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("size \(size)")
    }

    /// Whether `path`'s extents are shared with another file (a reflink), as `filefrag` says.
    static func isReflinked(_ path: String) throws -> Bool {
        let extents = try TestSupport.run("filefrag", ["-v", path], in: "/", environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        #expect(extents.status == 0, "\(extents)")
        return extents.stdout.contains("shared")
    }

    /// A run's 8 MiB model kept in the store, then restored by checkout, in a repository at
    /// `parent`; whether the object and the restored file share their extents with the output.
    static func keptAndRestored(in parent: String?) throws -> (kept: Bool, restored: Bool) {
        let repo = try TemporaryGitRepository(in: parent)
        try repo.write(".gitignore", "out/\n")
        try repo.write(
            ".recipes/r.yaml",
            "version: 1\nseed: 1\nsteps:\n  fit: {run: 'mkdir -p out && head -c 8388608 /dev/urandom > out/model.bin', outputs: [out/model.bin]}\n")
        try repo.commitAll("recipe")
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("lock")
        let id = try run(repo)
        let manifest = try RunManifest(decoding: RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", "HEAD")).documents[0].text)
        let digest = try #require(ContentDigest(manifest.outputs["out/model.bin"]?.digest ?? ""))
        let object = ObjectStore(repository: try Repository.discover(from: repo.path)).path(of: digest)
        let kept = try isReflinked(object)
        try FileManager.default.removeItem(atPath: "\(repo.path)/out/model.bin")
        #expect(try repo.recipe("checkout", id).status == 0)
        #expect(try opensslSHA256("\(repo.path)/out/model.bin") == digest.hex)
        return (kept, try isReflinked("\(repo.path)/out/model.bin"))
    }

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/mkfs.xfs") || ProcessInfo.processInfo.environment["CI"] != nil,
            "no mkfs.xfs here: apt-get install xfsprogs (scripts/install-deps.sh installs it)"))
    func outputsAreKeptAndRestoredAsReflinksWhereTheFileSystemCanAndCopiedElsewhere() throws {
        // The file systems CI has: the temporary directory's (ext4 here: copies), and XFS
        // with reflink on a loop device, as a lab's storage might be (clones).
        let copied = try Self.keptAndRestored(in: nil)
        let image = try TemporaryDirectory("git-recipe-xfs-image")
        let mountPoint = try TemporaryDirectory("git-recipe-xfs")
        let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        try #require(try TestSupport.run("truncate", ["-s", "300M", "\(image.path)/fs.img"], in: "/", environment: environment).status == 0)
        try #require(
            try TestSupport.run("mkfs.xfs", ["-q", "-m", "reflink=1", "\(image.path)/fs.img"], in: "/", environment: environment).status == 0)
        let mounted = try TestSupport.run("mount", ["-o", "loop", "\(image.path)/fs.img", mountPoint.path], in: "/", environment: environment)
        try #require(mounted.status == 0, "a loop mount needs root and a loop device, as CI has: \(mounted)")
        defer { _ = try? TestSupport.run("umount", [mountPoint.path], in: "/", environment: environment) }
        let cloned = try Self.keptAndRestored(in: mountPoint.path)
        #expect(cloned.kept && cloned.restored, "on XFS the object and the restored output are reflinks of the output")
        let tmpIsXFS = try TestSupport.run("stat", ["-f", "-c", "%T", NSTemporaryDirectory()], in: "/", environment: environment).stdout.hasPrefix(
            "xfs")
        if !tmpIsXFS { #expect(!copied.kept && !copied.restored, "elsewhere they are copies, never hard links") }
    }

    @Test func aModelFromARunTwoCommitsBackComesBackByteForByte() throws {
        let repo = try RunCommandTests.project(Self.recipe)
        let first = try Self.run(repo)
        let model = try repo.read("out/model.txt")
        let parts = try FileManager.default.contentsOfDirectory(atPath: "\(repo.path)/out/parts")
        try Self.commitNewSize(repo, 3)
        _ = try Self.run(repo)
        try Self.commitNewSize(repo, 2)
        _ = try Self.run(repo)
        #expect(try repo.read("out/model.txt") == "model size 2 seed 7\n")

        let result = try repo.recipe("checkout", first)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("out/model.txt: restored from run \(first)"), "\(result)")
        #expect(try repo.read("out/model.txt") == model)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: "\(repo.path)/out/parts").sorted() == parts.sorted(),
            "a directory output is replaced whole: no file of a later run is left in it")
        let again = try repo.recipe("checkout", first, "out/parts/p1.txt")
        #expect(again.stdout == "out/parts/: already run \(first)'s\n", "\(again)")
        #expect(try repo.git("status", "--porcelain").isEmpty, "outputs are ignored; the tree stays clean")
        #expect(try repo.recipe("status").stdout.contains("\n  outputs: run \(first)'s\n"))
        try repo.write("out/model.txt", "edited\n")
        #expect(try repo.recipe("status").stdout.contains("\n  outputs: from no recorded run (git recipe checkout RUN restores a run's)\n"))
    }

    @Test func workNoRunMadeIsNotOverwrittenWithoutForce() throws {
        let repo = try RunCommandTests.project(Self.recipe)
        let first = try Self.run(repo)
        try repo.write("out/model.txt", "hand-tuned, recorded nowhere\n")
        let refused = try repo.recipe("checkout", first)
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("out/model.txt holds what no recorded run made"), "\(refused)")
        #expect(try repo.read("out/model.txt") == "hand-tuned, recorded nowhere\n")
        let forced = try repo.recipe("checkout", first, "--force")
        #expect(forced.status == 0, "\(forced)")
        #expect(try repo.read("out/model.txt") == "model size 1 seed 7\n")
    }

    @Test func aDamagedObjectFailsTheCheckoutAndLeavesTheWorkTreeAlone() throws {
        let repo = try RunCommandTests.project(Self.recipe)
        let first = try Self.run(repo)
        try Self.commitNewSize(repo, 2)
        _ = try Self.run(repo)
        let document = try #require(RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", "HEAD~1")).documents.first?.text)
        let recorded = try #require(try RunManifest(decoding: document).outputs["out/model.txt"]?.digest)
        let digest = try #require(ContentDigest(recorded))
        let hex = digest.hex
        let object = "\(repo.path)/.git/recipes/objects/sha256/\(hex.prefix(2))/\(hex.dropFirst(2))"
        chmod(object, 0o644)
        try "model size 9 seed 7\n".write(toFile: object, atomically: false, encoding: .utf8)
        let result = try repo.recipe("checkout", first)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("is damaged"), "\(result)")
        #expect(try repo.read("out/model.txt") == "model size 2 seed 7\n", "nothing was restored from it")
    }

    @Test func gcKeepsPinnedRunsAndWhatThePolicyNames() throws {
        let repo = try RunCommandTests.project(Self.recipe)
        let first = try Self.run(repo)
        try Self.commitNewSize(repo, 2)
        let second = try Self.run(repo)
        try Self.commitNewSize(repo, 3)
        // Run times have one-second resolution, and runs finishing in the same second are all
        // "the latest": the third must finish in a later second than the second.
        Thread.sleep(forTimeInterval: 1.1)
        let third = try Self.run(repo)
        #expect(try repo.recipe("gc").stdout.hasPrefix("freed 0 objects"), "keep: all keeps everything")

        try repo.write(".recipes/config.yaml", "version: 1\nartifacts: {keep: latest}\n")
        try repo.commitAll("keep the latest")
        #expect(try repo.recipe("keep", first).stdout == "pinned \(first)\n")
        let dry = try repo.recipe("gc", "--dry-run")
        // The second run's model is the only object neither the third (latest) nor the
        // first (pinned) needs: its parts are the third's too.
        #expect(dry.stdout.hasPrefix("would free 1 object,"), "\(dry)")
        #expect(try repo.recipe("checkout", second).status == 0, "a dry run removes nothing")
        let collected = try repo.recipe("gc")
        #expect(collected.stdout.hasPrefix("freed 1 object,"), "\(collected)")
        #expect(collected.stdout.hasSuffix("kept the outputs of 2 runs\n"), "\(collected)")
        #expect(try repo.recipe("checkout", first).status == 0, "pinned")
        #expect(try repo.recipe("checkout", third).status == 0, "the latest")
        let gone = try repo.recipe("checkout", second)
        #expect(gone.status == 1, "\(gone)")
        #expect(gone.stderr.contains("store holds no copy"), "\(gone)")
        #expect(try repo.recipe("keep").stdout == "\(first)\n")
    }

    @Test func withKeepNoneNothingIsStoredAndTheReportSaysSo() throws {
        let repo = try RunCommandTests.project(Self.recipe)
        let stored = try Self.run(repo)
        let report = try repo.recipe("report", stored)
        #expect(report.stdout.contains("✅ **Outputs preserved** — every output of every run is in the artifact store"), "\(report)")

        try repo.write(".recipes/config.yaml", "version: 1\nartifacts: {keep: none}\n")
        try repo.commitAll("keep nothing")
        let unstored = try Self.run(repo)
        _ = try repo.recipe("gc")
        let result = try repo.recipe("checkout", unstored)
        #expect(result.status == 1 && result.stderr.contains("store holds no copy"), "\(result)")
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(repo.path)/.git/recipes/objects/sha256")
        #expect(left.isEmpty, "nothing stored, gc dropped the rest, shards and all: \(left)")
    }
}
