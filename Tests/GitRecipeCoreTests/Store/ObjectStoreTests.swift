import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// The artifact store keeps what it is given by content, and restores only what still
/// hashes to its name.
@Suite struct ObjectStoreTests {
    static func store() throws -> (TemporaryGitRepository, ObjectStore) {
        let repo = try TemporaryGitRepository()
        return (repo, ObjectStore(repository: try Repository.discover(from: repo.path, environment: [:])))
    }

    @Test func aKeptFileRestoresByteForByteAndIsACopyNotALink() throws {
        let (repo, store) = try Self.store()
        try repo.write("out/model.bin", String(repeating: "weights ", count: 10_000))
        let source = "\(repo.path)/out/model.bin"
        let digest = try FileHasher().digest(ofFile: source)
        #expect(try store.keep(source, digest: digest) == 80_000)
        #expect(try store.keep(source, digest: digest) == 0, "kept once")
        #expect(store.contains(digest))
        // A step that rewrites its output in place must not change the kept copy.
        let handle = try #require(FileHandle(forWritingAtPath: source))
        try handle.write(contentsOf: Data("rewritten".utf8))
        try handle.close()
        #expect(try FileHasher().digest(ofFile: store.path(of: digest)) == digest)
        try store.restore(digest, to: "\(repo.path)/elsewhere/model.bin")
        #expect(try FileHasher().digest(ofFile: "\(repo.path)/elsewhere/model.bin") == digest)
        var info = stat()
        #expect(stat(store.path(of: digest), &info) == 0 && info.st_mode & 0o777 == 0o444, "objects are read-only")
    }

    @Test func aDamagedObjectIsReportedAndNeverRestored() throws {
        let (repo, store) = try Self.store()
        try repo.write("out/model.bin", "the model\n")
        let digest = try FileHasher().digest(ofFile: "\(repo.path)/out/model.bin")
        try store.keep("\(repo.path)/out/model.bin", digest: digest)
        let object = store.path(of: digest)
        chmod(object, 0o644)
        try "the modem\n".write(toFile: object, atomically: false, encoding: .utf8)
        try repo.write("out/model.bin", "what is here now\n")
        #expect(throws: StoreError.damaged(digest, path: object)) { try store.restore(digest, to: "\(repo.path)/out/model.bin") }
        #expect(try repo.read("out/model.bin") == "what is here now\n", "the work tree keeps what it had")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(repo.path)/out") == ["model.bin"], "no temporary file left")
    }

    @Test func aFileThatChangedSinceItWasHashedIsNotStoredUnderTheOldDigest() throws {
        let (repo, store) = try Self.store()
        try repo.write("out/a", "before\n")
        let digest = try FileHasher().digest(ofFile: "\(repo.path)/out/a")
        try repo.write("out/a", "after\n")
        #expect(throws: StoreError.self) { try store.keep("\(repo.path)/out/a", digest: digest) }
        #expect(!store.contains(digest))
        #expect(store.inventory().objects.isEmpty && store.inventory().leftovers.isEmpty)
    }

    @Test func collectingKeepsTheLiveObjectsAndRemovesLeftovers() throws {
        let (repo, store) = try Self.store()
        var digests: [ContentDigest] = []
        for name in ["a", "b", "c"] {
            try repo.write("out/\(name)", "\(name)\n")
            let digest = try FileHasher().digest(ofFile: "\(repo.path)/out/\(name)")
            try store.keep("\(repo.path)/out/\(name)", digest: digest)
            digests.append(digest)
        }
        let leftover = (store.path(of: digests[0]) as NSString).deletingLastPathComponent + "/.tmp-killed"
        #expect(FileManager.default.createFile(atPath: leftover, contents: Data("half".utf8)))
        // A download batch of a process that is gone, and one of a process still running.
        let abandoned = "\(store.root)/incoming/999999999-gone"
        let running = try store.stagingDirectory()
        try FileManager.default.createDirectory(atPath: abandoned, withIntermediateDirectories: true)
        let dry = store.collect(keeping: [digests[0]], dryRun: true)
        #expect(dry.objects == 2 && dry.bytes == 4)
        #expect(digests.allSatisfy(store.contains) && FileManager.default.fileExists(atPath: leftover))
        let done = store.collect(keeping: [digests[0]], dryRun: false)
        #expect(done.objects == 2)
        #expect(store.contains(digests[0]) && !store.contains(digests[1]) && !store.contains(digests[2]))
        #expect(!FileManager.default.fileExists(atPath: leftover))
        #expect(!FileManager.default.fileExists(atPath: abandoned) && FileManager.default.fileExists(atPath: running))
    }

    @Test func theCopyIsAReflinkWhereTheFileSystemAllowsAndACopyElsewhere() throws {
        let directory = try TemporaryDirectory()
        try String(repeating: "x", count: 3 << 20).write(toFile: "\(directory.path)/a", atomically: true, encoding: .utf8)
        let method = try FileClone.copy("\(directory.path)/a", to: "\(directory.path)/b")
        #expect(try FileHasher().digest(ofFile: "\(directory.path)/b") == FileHasher().digest(ofFile: "\(directory.path)/a"))
        #expect(throws: FileCloneError.self) { try FileClone.copy("\(directory.path)/a", to: "\(directory.path)/b") }
        // Which one this machine's file system gives, said so the CI log shows it.
        print("FileClone on \(directory.path): \(method)")
    }
}
