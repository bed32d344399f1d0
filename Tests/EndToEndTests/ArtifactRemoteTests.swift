import Crypto
import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// `push|pull --artifacts`: a run made in one clone is checked out in another,
/// its bytes carried by a `file://`, `ssh://` (a real sshd on 127.0.0.1) or `s3://` store (a
/// real S3-compatible server on 127.0.0.1 that checks signatures), and every fault leaves
/// both sides consistent.
@Suite("Artifact stores")
struct ArtifactRemoteTests {
    /// A bare remote holding the artifact-store project, and two clones of it.
    static func clones() throws -> (remote: TemporaryDirectory, a: TemporaryGitRepository, b: TemporaryGitRepository) {
        try NotesSyncTests.clones(ArtifactStoreTests.recipe)
    }

    /// Runs the recipe in `a` with size `size` and shares the record: its run id.
    static func recordedRun(in a: TemporaryGitRepository, size: Int = 1) throws -> String {
        if size != 1 { try ArtifactStoreTests.commitNewSize(a, size) }
        let id = try ArtifactStoreTests.run(a)
        let push = try a.recipe("push")
        guard push.status == 0 else { throw CommandFailure(command: "git recipe push", result: push) }
        return id
    }

    /// Pushes `id`'s outputs from `a` to `url`, pulls records and objects into `b`, checks the
    /// run out there, and expects the bytes `a` made.
    static func roundTrip(_ url: String, environment: [String: String] = [:]) throws {
        let (remote, a, b) = try clones()
        defer { withExtendedLifetime(remote) {} }
        let id = try recordedRun(in: a, size: 3)
        for repo in [a, b] { try repo.git("config", "recipe.store.team.url", url) }

        let pushed = try a.recipe(["push", "--artifacts"], environment: environment)
        #expect(pushed.status == 0, "\(pushed)")
        #expect(pushed.stdout.hasPrefix("pushed to store 'team': 4 objects"), "\(pushed)")
        let again = try a.recipe(["push", "--artifacts", "team"], environment: environment)
        #expect(again.stdout.contains(": 0 objects (0 B) for 1 run; 4 already there"), "only what the store lacks moves: \(again)")

        #expect(try b.recipe("pull").status == 0)
        let missing = try b.recipe(["checkout", id], environment: environment)
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.stderr.contains("store 'team' has them: git recipe pull --artifacts team \(id)"), "\(missing)")

        let pulled = try b.recipe(["pull", "--artifacts", "team", id], environment: environment)
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout.hasPrefix("pulled from store 'team': 4 objects"), "\(pulled)")
        let checkout = try b.recipe("checkout", id)
        #expect(checkout.status == 0, "\(checkout)")
        for file in ["out/model.txt", "out/parts/p1.txt", "out/parts/p2.txt", "out/parts/p3.txt"] {
            #expect(try b.read(file) == a.read(file), "\(file) came back byte for byte")
        }
        #expect(try b.recipe("status").stdout.contains("\n  outputs: run \(id)'s\n"))
    }

    /// Every object under `root` hashes to its name; what is not an object is a temporary
    /// file of an interrupted write. Returns the objects.
    static func expectWhole(_ root: String) throws -> [String] {
        var objects: [(path: String, digest: ContentDigest)] = []
        for path in FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [] {
            let parts = path.split(separator: "/")
            guard parts.count == 3, parts[0] == "sha256" else { continue }
            guard let digest = ContentDigest(hex: String(parts[1] + parts[2])) else {
                #expect(parts[2].contains("tmp-") || parts[2].hasPrefix("."), "only temporary files beside objects: \(path)")
                continue
            }
            objects.append((path, digest))
        }
        guard !objects.isEmpty else { return [] }
        // One sha256sum over them all: coreutils as the independent reference, started once.
        let summed = try run("sha256sum", objects.map(\.path), in: root, environment: ["PATH": "/usr/bin:/bin"])
        #expect(summed.status == 0, "\(summed)")
        let found = Dictionary(
            summed.stdout.split(separator: "\n").map { line in (String(line.dropFirst(66)), String(line.prefix(64))) },
            uniquingKeysWith: { a, _ in a })
        for object in objects { #expect(found[object.path] == object.digest.hex, "\(object.path) is whole") }
        return objects.map(\.path)
    }

    // MARK: file://

    @Test func aSecondClonePullsRecordsAndArtifactsThroughASharedDirectory() throws {
        let store = try TemporaryDirectory("git-recipe-store")
        try Self.roundTrip("file://\(store.path)/team store")
        #expect(try Self.expectWhole("\(store.path)/team store").count == 4)
    }

    @Test func aDamagedObjectInTheStoreIsReportedAndNotKept() throws {
        let (remote, a, b) = try Self.clones()
        defer { withExtendedLifetime(remote) {} }
        let store = try TemporaryDirectory("git-recipe-store")
        let id = try Self.recordedRun(in: a)
        for repo in [a, b] { try repo.git("config", "recipe.store.team.url", "file://\(store.path)") }
        #expect(try a.recipe("push", "--artifacts").status == 0)
        let model = try #require(try Self.expectWhole(store.path).first)
        let object = "\(store.path)/\(model)"
        chmod(object, 0o644)
        try Data("flipped\n".utf8).write(to: URL(fileURLWithPath: object))

        #expect(try b.recipe("pull").status == 0)
        let pulled = try b.recipe("pull", "--artifacts", "team", id)
        #expect(pulled.status == 1, "\(pulled)")
        #expect(pulled.stderr.contains("store 'team' gave other bytes than object"), "\(pulled)")
        let local = "\(b.path)/.git/recipes/objects"
        let kept = try Self.expectWhole(local)
        #expect(!kept.contains(model), "the damaged object was not kept")
        #expect(try b.recipe("checkout", id).status == 1)
    }

    @Test func aStoreThatIsReadOnlyOrFullFailsCleanly() throws {
        let (remote, a, _) = try Self.clones()
        defer { withExtendedLifetime(remote) {} }
        _ = try Self.recordedRun(in: a, size: 3)
        let mountPoint = try TemporaryDirectory("git-recipe-mount")
        let environment = ProcessInfo.processInfo.environment
        // A read-only file system: root ignores file modes, not a read-only mount.
        let readOnly = try run("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", mountPoint.path], in: "/", environment: environment)
        try #require(readOnly.status == 0, "mounting needs root with CAP_SYS_ADMIN, as CI has: \(readOnly)")
        defer { _ = try? run("umount", [mountPoint.path], in: "/", environment: environment) }
        try a.git("config", "recipe.store.team.url", "file://\(mountPoint.path)")
        let refused = try a.recipe("push", "--artifacts")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.lowercased().contains("read only") && refused.stderr.contains("nothing half-written"), "\(refused)")

        // A full one: 16 KiB cannot hold a 32 KiB object.
        _ = try run("umount", [mountPoint.path], in: "/", environment: environment)
        #expect(try run("mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", mountPoint.path], in: "/", environment: environment).status == 0)
        try a.write("out/model.txt", String(repeating: "weights ", count: 4096))
        try a.write(".recipes/r.yaml", ArtifactStoreTests.recipe.replacingOccurrences(of: "> out/model.txt", with: ">> out/model.txt"))
        _ = try a.recipe("lock")
        try a.commitAll("bigger model")
        _ = try ArtifactStoreTests.run(a)
        let full = try a.recipe("push", "--artifacts")
        #expect(full.status == 1, "\(full)")
        #expect(full.stderr.contains("No space left on device"), "\(full)")
        _ = try Self.expectWhole(mountPoint.path)
    }

    /// The recipe with thirty 4 MiB random outputs: long enough to be killed in the middle.
    static let big = ArtifactStoreTests.recipe.replacingOccurrences(
        of: "for i in $(seq \"$RECIPE_PARAM_SIZE\"); do echo \"part $i\" > out/parts/p$i.txt; done",
        with: "for i in $(seq 30); do head -c 4194304 /dev/urandom > out/parts/p$i.bin; done")

    /// Starts `git-recipe ARGUMENTS` in `repo` and kills it with SIGKILL as soon as `started`
    /// says it is under way.
    static func killMidway(_ arguments: [String], in repo: TemporaryGitRepository, when started: () -> Bool) throws {
        let process = Process()
        // The binary itself: killing `git recipe` would kill git and leave its child running.
        process.executableURL = URL(fileURLWithPath: "\(BuiltProducts.directory)/git-recipe")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: repo.path)
        process.environment = repo.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        while process.isRunning && !started() { usleep(500) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Whether any file (an object, or a temporary one) is in the store at `root`.
    static func anyFile(in root: String) -> Bool {
        ((try? FileManager.default.subpathsOfDirectory(atPath: "\(root)/sha256")) ?? []).contains { $0.contains("/") }
    }

    @Test func killingAPushOrAPullLeavesBothSidesConsistent() throws {
        let (remote, a, b) = try Self.clones()
        defer { withExtendedLifetime(remote) {} }
        try a.write(".recipes/r.yaml", Self.big)
        _ = try a.recipe("lock")
        try a.commitAll("big outputs")
        let id = try Self.recordedRun(in: a)
        let store = try TemporaryDirectory("git-recipe-store")
        for repo in [a, b] { try repo.git("config", "recipe.store.team.url", "file://\(store.path)") }

        for (repo, verb, side) in [(a, "push", store.path), (b, "pull", "\(b.path)/.git/recipes/objects")] {
            if verb == "pull" { #expect(try b.recipe("pull").status == 0) }
            // Killed as soon as the first file appears there (a temporary one): mid-transfer.
            try Self.killMidway([verb, "--artifacts", "team", id], in: repo) { Self.anyFile(in: side) }
            let partial = try Self.expectWhole(side)
            #expect(partial.count < 31, "killed before the end (\(partial.count) objects)")
            let resumed = try repo.recipe(verb, "--artifacts", "team", id)
            #expect(resumed.status == 0, "\(resumed)")
            #expect(try Self.expectWhole(side).count == 31)
        }
        #expect(try b.recipe("checkout", id).status == 0)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: "\(b.path)/out/parts/p7.bin"))
                == Data(contentsOf: URL(fileURLWithPath: "\(a.path)/out/parts/p7.bin")))
    }

    @Test func killingACheckoutLeavesEachOutputOneRunsWhole() throws {
        let repo = try RunCommandTests.project(Self.big)
        let first = try ArtifactStoreTests.run(repo)
        let parts = "\(repo.path)/out/parts"
        let digests = { try FileManager.default.contentsOfDirectory(atPath: parts).sorted().map { try opensslSHA256("\(parts)/\($0)") } }
        let firstParts = try digests()
        try repo.write(".recipes/r.yaml", Self.big.replacingOccurrences(of: "seed: 7", with: "seed: 8"))
        _ = try repo.recipe("lock")
        try repo.commitAll("another seed")
        _ = try ArtifactStoreTests.run(repo)
        let secondParts = try digests()

        // The directory output is built beside the old one and swapped in: killed while it is
        // being built, the old one is whole.
        try Self.killMidway(["checkout", first], in: repo) { FileManager.default.fileExists(atPath: "\(parts).git-recipe-checkout") }
        #expect(try [firstParts, secondParts].contains(digests()), "out/parts/ is one run's whole, never a mix")
        let again = try repo.recipe("checkout", first)
        #expect(again.status == 0, "\(again)")
        #expect(try digests() == firstParts)
        #expect(!FileManager.default.fileExists(atPath: "\(parts).git-recipe-checkout"), "the next checkout clears what the killed one left")
    }

    @Test func killingAGcLeavesEveryObjectWholeAndTheKeptRunRestorable() throws {
        // Fifteen hundred small outputs per run, depending on the seed: gc has many of the
        // first run's objects to remove once only the latest run is kept.
        let many = ArtifactStoreTests.recipe.replacingOccurrences(
            of: "for i in $(seq \"$RECIPE_PARAM_SIZE\"); do echo \"part $i\" > out/parts/p$i.txt; done",
            with:
                "python3 -c 'import sys; [open(f\"out/parts/p{i}.txt\", \"w\").write(f\"{sys.argv[1]} {i}\") for i in range(1500)]' \"$RECIPE_SEED\"")
        let repo = try RunCommandTests.project(many)
        _ = try ArtifactStoreTests.run(repo)
        try repo.write(".recipes/r.yaml", many.replacingOccurrences(of: "seed: 7", with: "seed: 8"))
        try repo.write(".recipes/config.yaml", "version: 1\nartifacts: {keep: latest}\n")
        _ = try repo.recipe("lock")
        try repo.commitAll("another seed, keep the latest")
        let second = try ArtifactStoreTests.run(repo)
        let store = ObjectStore(repository: try Repository.discover(from: repo.path))
        let dead = (0..<1500).map { ContentDigest(SHA256.hash(data: Data("7 \($0)".utf8))) }
        #expect(dead.allSatisfy(store.contains), "the first run's parts are kept until gc")

        // Every part is looked at on each poll (1,500 stats, about a millisecond): sampling a
        // few let a busy machine finish the whole gc between two looks.
        try Self.killMidway(["gc"], in: repo) { dead.contains { !store.contains($0) } }
        let left = dead.filter(store.contains).count
        #expect(left > 0 && left < 1500, "killed in the middle (\(left) of the first run's 1500 parts left)")
        _ = try Self.expectWhole(store.root)
        let checkout = try repo.recipe("checkout", second, "--force")
        #expect(checkout.status == 0, "the kept run restores, every object verified: \(checkout)")

        let again = try repo.recipe("gc")
        // What is left of the first run: its parts not yet removed, and perhaps its model.
        #expect(again.status == 0 && [left, left + 1].contains(where: { again.stdout.hasPrefix("freed \($0) objects") }), "\(again)")
        #expect(!dead.contains(where: store.contains))
        #expect(try Self.expectWhole(store.root).count == 1501, "the kept run's parts and model, whole")
    }

    @Test func storesAreNamedInGitConfigAndBadOnesAreClearErrors() throws {
        let (remote, a, _) = try Self.clones()
        defer { withExtendedLifetime(remote) {} }
        let none = try a.recipe("push", "--artifacts")
        #expect(none.status == 2 && none.stderr.contains("no artifact store is configured; name one: git config recipe.store.NAME.url"), "\(none)")
        try a.git("config", "recipe.store.one.url", "ftp://host/path")
        let bad = try a.recipe("push", "--artifacts")
        #expect(bad.status == 2 && bad.stderr.contains("recipe.store.one.url is 'ftp://host/path', which is not"), "\(bad)")
        try a.git("config", "recipe.store.two.url", "file:///tmp")
        let which = try a.recipe("pull", "--artifacts")
        #expect(which.status == 2 && which.stderr.contains("several artifact stores are configured (one, two)"), "\(which)")
        let unknown = try a.recipe("pull", "--artifacts", "three")
        #expect(unknown.status == 2 && unknown.stderr.contains("no artifact store 'three' is configured"), "\(unknown)")
        let runsWithoutArtifacts = try a.recipe("push", "origin", "HEAD")
        #expect(runsWithoutArtifacts.status != 0 && runsWithoutArtifacts.stderr.contains("only with --artifacts"), "\(runsWithoutArtifacts)")
    }

    // MARK: ssh://

    @Test(.enabled(if: LocalService.sshd.isAvailable, Comment(rawValue: LocalService.sshd.skipReason)))
    func aSecondClonePullsThroughAnSSHStore() throws {
        let exports = try #require(LocalService.sshd.exports, "sshd did not start: run scripts/sshd-local start as root")
        let store = try TemporaryDirectory("git-recipe-store")
        let url = try #require(exports["SSHD_LOCAL_URL"])
        // A quote and a space in the path: every remote path is quoted for the remote shell.
        try Self.roundTrip("\(url)\(store.path)/it's a store", environment: exports)
        #expect(try Self.expectWhole("\(store.path)/it's a store").count == 4)
    }

    @Test(.enabled(if: LocalService.sshd.isAvailable, Comment(rawValue: LocalService.sshd.skipReason)))
    func anSSHStoreThatRefusesTheKeyFailsAtOnceAndSaysHowToCheck() throws {
        let exports = try #require(LocalService.sshd.exports, "sshd did not start: run scripts/sshd-local start as root")
        let (remote, a, _) = try Self.clones()
        defer { withExtendedLifetime(remote) {} }
        _ = try Self.recordedRun(in: a)
        let store = try TemporaryDirectory("git-recipe-store")
        try a.git("config", "recipe.store.team.url", "\(try #require(exports["SSHD_LOCAL_URL"]))\(store.path)/s")
        // The server's known key, but a client key it does not accept.
        let key = try #require(exports["SSHD_LOCAL_REFUSED_KEY"])
        var refused = exports
        refused["GIT_SSH_COMMAND"] =
            "ssh -i \(key) -o IdentitiesOnly=yes -o UserKnownHostsFile=\((key as NSString).deletingLastPathComponent)/known_hosts"
        let result = try a.recipe(["push", "--artifacts"], environment: refused)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("Permission denied"), "\(result)")
        #expect(result.stderr.contains("works without a prompt"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: "\(store.path)/s"))
    }

    // MARK: s3://

    /// The store's URL under a prefix of its own, and the environment the client needs.
    static func s3Store() throws -> (url: String, environment: [String: String]) {
        let exports = try #require(LocalService.s3.exports, "the S3 server did not start: run scripts/s3-local start")
        return ("s3://\(try #require(exports["S3_LOCAL_BUCKET"]))/tests/\(UUID().uuidString)", exports)
    }

    @Test(.enabled(if: LocalService.s3.isAvailable, Comment(rawValue: LocalService.s3.skipReason)))
    func aSecondClonePullsThroughAnS3StoreAndTheSecretIsNeverWritten() throws {
        let (url, environment) = try Self.s3Store()
        try Self.roundTrip(url, environment: environment)
    }

    @Test(.enabled(if: LocalService.s3.isAvailable, Comment(rawValue: LocalService.s3.skipReason)))
    func wrongOrMissingCredentialsAreRefusedAndNeverRecorded() throws {
        let (url, environment) = try Self.s3Store()
        let (remote, a, _) = try Self.clones()
        defer { withExtendedLifetime(remote) {} }
        _ = try Self.recordedRun(in: a)
        try a.git("config", "recipe.store.team.url", url)
        var wrong = environment
        wrong["AWS_SECRET_ACCESS_KEY"] = "not-the-secret-\(UUID().uuidString)"
        let refused = try a.recipe(["push", "--artifacts"], environment: wrong)
        #expect(refused.status == 1 && refused.stderr.contains("HTTP 403"), "\(refused)")
        var missing = environment
        missing.removeValue(forKey: "AWS_SECRET_ACCESS_KEY")
        let none = try a.recipe(["push", "--artifacts"], environment: missing.merging(["AWS_SECRET_ACCESS_KEY": ""]) { $1 })
        #expect(none.status == 2 && none.stderr.contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"), "\(none)")

        #expect(try a.recipe(["push", "--artifacts"], environment: environment).status == 0)
        // Neither secret in any file of the clone, nor in what git stores compressed: the
        // notes, every object's content, the config.
        let secrets = [try #require(environment["AWS_SECRET_ACCESS_KEY"]), try #require(wrong["AWS_SECRET_ACCESS_KEY"])].map { Data($0.utf8) }
        var texts: [(String, Data)] = (FileManager.default.enumerator(atPath: a.path)?.allObjects as? [String] ?? []).map { path in
            (path, (try? Data(contentsOf: URL(fileURLWithPath: "\(a.path)/\(path)"))) ?? Data())
        }
        texts.append(("git objects", Data(try a.git("log", "--all", "-p", "--format=%B", "refs/notes/recipes", "HEAD").utf8)))
        texts.append(("notes", Data(try a.git("notes", "--ref=recipes", "show", "HEAD").utf8)))
        texts.append(("config", Data(try a.git("config", "--list").utf8)))
        for (place, data) in texts {
            #expect(secrets.allSatisfy { data.range(of: $0) == nil }, "\(place) holds a secret")
        }
    }

    /// A proxy in front of the S3 server that misbehaves as `mode` says (`scripts/s3-faults`),
    /// on a free port; it exits when this object goes (its stdin closes), or with the tests.
    final class FaultyS3: @unchecked Sendable {
        let process = Process()
        let input = Pipe()
        let endpoint: String

        init(_ mode: String, upstream: String) throws {
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: LocalService.s3.script).deletingLastPathComponent().appending(path: "s3-faults")
            process.arguments = [mode, "0", upstream]
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var port = ""
            while !port.hasSuffix("\n"), let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty {
                port += String(decoding: byte, as: UTF8.self)
            }
            endpoint = "http://127.0.0.1:\(port.trimmingCharacters(in: .whitespacesAndNewlines))"
        }

        deinit { try? input.fileHandleForWriting.close() }
    }

    /// A clone with a recorded run whose outputs are in `url`'s store, reached through `fault`.
    static func behind(_ mode: String, pushThrough: Bool) throws -> (
        repo: TemporaryGitRepository, id: String, kept: (FaultyS3, TemporaryDirectory), environment: [String: String]
    ) {
        let (url, environment) = try s3Store()
        let fault = try FaultyS3(mode, upstream: try #require(environment["AWS_ENDPOINT_URL"]))
        let (remote, a, _) = try clones()
        let id = try recordedRun(in: a, size: 3)
        try a.git("config", "recipe.store.team.url", url)
        try a.git("config", "recipe.store.team.timeout", "1")
        if !pushThrough {
            #expect(try a.recipe(["push", "--artifacts"], environment: environment).status == 0)
            try FileManager.default.removeItem(atPath: "\(a.path)/.git/recipes/objects")
        }
        return (a, id, (fault, remote), environment.merging(["AWS_ENDPOINT_URL": fault.endpoint]) { $1 })
    }

    @Test(.enabled(if: LocalService.s3.isAvailable, Comment(rawValue: LocalService.s3.skipReason)))
    func serverErrorsAreRetriedAndPersistentOnesFailCleanly() throws {
        let (a, _, kept, flaky) = try Self.behind("fail:2", pushThrough: true)
        defer { withExtendedLifetime(kept) {} }
        let pushed = try a.recipe(["push", "--artifacts"], environment: flaky)
        #expect(pushed.status == 0 && pushed.stdout.contains("4 objects"), "two 500s are retried: \(pushed)")

        let (b, id, keptBroken, broken) = try Self.behind("fail", pushThrough: false)
        defer { withExtendedLifetime(keptBroken) {} }
        let pulled = try b.recipe(["pull", "--artifacts", "team", id], environment: broken)
        #expect(pulled.status == 1 && pulled.stderr.contains("HTTP 500"), "\(pulled)")
        #expect(try Self.expectWhole("\(b.path)/.git/recipes/objects").isEmpty)
    }

    @Test(.enabled(if: LocalService.s3.isAvailable, Comment(rawValue: LocalService.s3.skipReason)))
    func aHangingServerTimesOutAndLeavesNothing() throws {
        let (b, id, kept, hanging) = try Self.behind("hang", pushThrough: false)
        defer { withExtendedLifetime(kept) {} }
        let pulled = try b.recipe(["pull", "--artifacts", "team", id], environment: hanging)
        #expect(pulled.status == 1 && pulled.stderr.contains("curl exited 28"), "\(pulled)")
        let left = FileManager.default.enumerator(atPath: "\(b.path)/.git/recipes/objects")?.allObjects as? [String] ?? []
        #expect(left.allSatisfy { !$0.contains("tmp-") }, "no temporary file left: \(left)")
    }

    @Test(.enabled(if: LocalService.s3.isAvailable, Comment(rawValue: LocalService.s3.skipReason)))
    func wrongBytesFromTheServerAreRefetchedThenReportedNeverKept() throws {
        let (b, id, kept, corrupting) = try Self.behind("corrupt", pushThrough: false)
        defer { withExtendedLifetime(kept) {} }
        let pulled = try b.recipe(["pull", "--artifacts", "team", id], environment: corrupting)
        #expect(pulled.status == 1 && pulled.stderr.contains("gave other bytes than object"), "\(pulled)")
        #expect(try Self.expectWhole("\(b.path)/.git/recipes/objects").isEmpty)
        #expect(try b.recipe("checkout", id).status == 1)
    }
}
