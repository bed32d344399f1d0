import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// Digests checked against independent computations: `openssl dgst -sha256` for files, and
/// the directory formula of docs/reference.md rebuilt here and hashed by openssl too.
@Suite("Content hashing")
struct TreeHasherTests {
    /// The directory digest computed from the formula: entries sorted by name,
    /// `kind SP name NUL hex LF`, hashed by openssl.
    static func formulaDigest(_ entries: [(kind: String, name: String, hex: String)], scratch: TemporaryDirectory) throws -> String {
        var listing = Data()
        for entry in entries.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            listing.append(contentsOf: "\(entry.kind) \(entry.name)\0\(entry.hex)\n".utf8)
        }
        let file = "\(scratch.path)/listing-\(UUID().uuidString)"
        try listing.write(to: URL(fileURLWithPath: file))
        return try opensslSHA256(file)
    }

    func digest(_ path: String, directory: Bool?, boundary: String, cache: HashCache? = nil) throws -> ContentDigest {
        let scratch = try TemporaryDirectory()
        let hasher = TreeHasher(cache: cache ?? HashCache(at: "\(scratch.path)/cache"))
        return try hasher.digests(of: [.init(path: path, isDirectory: directory, boundary: boundary)])[0]
    }

    @Test(arguments: [0, 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 12345])
    func fileDigestsMatchOpenssl(size: Int) throws {
        let directory = try TemporaryDirectory()
        var generator = SystemRandomNumberGenerator()
        let bytes = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try bytes.write(to: URL(fileURLWithPath: "\(directory.path)/blob"))
        let digest = try digest("\(directory.path)/blob", directory: false, boundary: directory.path)
        #expect(digest.hex == (try opensslSHA256("\(directory.path)/blob")))
    }

    @Test func directoryDigestsFollowTheSpecFormula() throws {
        let directory = try TemporaryDirectory()
        try directory.write("data/b.csv", "b\n")
        try directory.write("data/a.csv", "a\n")
        try directory.write("data/sub/z.txt", "z")
        try directory.write("data/sub/Ü.txt", "unicode name")
        let sub = try Self.formulaDigest(
            [
                ("file", "z.txt", try opensslSHA256("\(directory.path)/data/sub/z.txt")),
                ("file", "Ü.txt", try opensslSHA256("\(directory.path)/data/sub/Ü.txt")),
            ], scratch: directory)
        let expected = try Self.formulaDigest(
            [
                ("file", "a.csv", try opensslSHA256("\(directory.path)/data/a.csv")),
                ("file", "b.csv", try opensslSHA256("\(directory.path)/data/b.csv")),
                ("dir", "sub", sub),
            ], scratch: directory)
        #expect(try digest("\(directory.path)/data", directory: true, boundary: directory.path).hex == expected)
        try FileManager.default.createDirectory(atPath: "\(directory.path)/empty", withIntermediateDirectories: false)
        #expect(
            try digest("\(directory.path)/empty", directory: true, boundary: directory.path).hex == (try Self.formulaDigest([], scratch: directory)))
    }

    @Test func symlinksInsideTheBoundaryAreFollowed() throws {
        let directory = try TemporaryDirectory()
        try directory.write("real/data.bin", "payload")
        try directory.write("data/keep", "k")
        try FileManager.default.createSymbolicLink(atPath: "\(directory.path)/data/link.bin", withDestinationPath: "../real/data.bin")
        let linked = try digest("\(directory.path)/data", directory: true, boundary: directory.path)
        try FileManager.default.removeItem(atPath: "\(directory.path)/data/link.bin")
        try directory.write("data/link.bin", "payload")
        #expect(linked == (try digest("\(directory.path)/data", directory: true, boundary: directory.path)))
    }

    @Test func symlinksOutsideTheBoundaryCyclesAndSpecialFilesAreRefused() throws {
        let directory = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        try outside.write("secret", "s")
        try directory.write("data/keep", "k")
        try FileManager.default.createSymbolicLink(atPath: "\(directory.path)/data/escape", withDestinationPath: "\(outside.path)/secret")
        #expect(throws: InputError.escapes("\(directory.path)/data/escape", target: "\(outside.path)/secret")) {
            try digest("\(directory.path)/data", directory: true, boundary: directory.path)
        }
        try FileManager.default.removeItem(atPath: "\(directory.path)/data/escape")
        try FileManager.default.createSymbolicLink(atPath: "\(directory.path)/data/loop", withDestinationPath: "..")
        #expect(throws: InputError.cycle("\(directory.path)/data/loop/data")) {
            try digest("\(directory.path)/data", directory: true, boundary: directory.path)
        }
        try FileManager.default.removeItem(atPath: "\(directory.path)/data/loop")
        #expect(mkfifo("\(directory.path)/data/pipe", 0o600) == 0)
        #expect(throws: InputError.special("\(directory.path)/data/pipe")) {
            try digest("\(directory.path)/data", directory: true, boundary: directory.path)
        }
    }

    @Test func aFileWhereADirectoryIsDeclaredAndTheOtherWayRound() throws {
        let directory = try TemporaryDirectory()
        try directory.write("file", "f")
        try directory.write("dir/x", "x")
        #expect(throws: InputError.notADirectory("\(directory.path)/file")) {
            try digest("\(directory.path)/file", directory: true, boundary: directory.path)
        }
        #expect(throws: InputError.isADirectory("\(directory.path)/dir")) {
            try digest("\(directory.path)/dir", directory: false, boundary: directory.path)
        }
        #expect(throws: InputError.missing("\(directory.path)/nothing")) {
            try digest("\(directory.path)/nothing", directory: false, boundary: directory.path)
        }
    }

    @Test func manyFilesHashedInParallelGiveTheSameDigestsAsOneByOne() throws {
        let directory = try TemporaryDirectory()
        for index in 0..<300 { try directory.write("many/f\(index)", String(repeating: "\(index)", count: index)) }
        let scratch = try TemporaryDirectory()
        let hasher = TreeHasher(cache: HashCache(at: "\(scratch.path)/cache"))
        let requests = (0..<300).map { TreeHasher.Request(path: "\(directory.path)/many/f\($0)", isDirectory: false, boundary: directory.path) }
        let parallel = try hasher.digests(of: requests)
        for (index, digest) in parallel.enumerated() {
            #expect(digest == (try FileHasher().digest(ofFile: "\(directory.path)/many/f\(index)")))
        }
    }
}
