import Foundation
import Testing
import TestSupport
@testable import GitRecipeCore

@Suite("The hash cache")
struct HashCacheTests {
    static let digest = ContentDigest.of(Data("x".utf8))
    static let now: Int64 = 1_800_000_000 * 1_000_000_000
    static let old = FileStamp(device: 1, inode: 2, size: 3, modified: now - 60_000_000_000, changed: now - 60_000_000_000)

    @Test func anEntryIsTrustedOnlyWhileItsStampIsExactlyTheSame() throws {
        let directory = try TemporaryDirectory()
        let cache = HashCache(at: "\(directory.path)/cache")
        cache.store(Self.digest, for: "a", stamp: Self.old, seenAt: Self.now)
        try cache.save()
        let reloaded = HashCache(at: "\(directory.path)/cache")
        #expect(reloaded.warning == nil)
        #expect(reloaded.digest(for: "a", stamp: Self.old) == Self.digest)
        for changed in [\FileStamp.size, \.modified, \.changed] {
            var stamp = Self.old
            stamp[keyPath: changed] += 1
            #expect(reloaded.digest(for: "a", stamp: stamp) == nil)
        }
        var moved = Self.old
        moved.inode += 1
        #expect(reloaded.digest(for: "a", stamp: moved) == nil)
    }

    @Test func racilyCleanEntriesAreNeverStored() throws {
        let directory = try TemporaryDirectory()
        let cache = HashCache(at: "\(directory.path)/cache")
        var recent = Self.old
        recent.modified = Self.now - 1_000_000_000   // modified a second before it was looked at
        cache.store(Self.digest, for: "recent", stamp: recent, seenAt: Self.now)
        var recentlyChanged = Self.old
        recentlyChanged.changed = Self.now - 10
        cache.store(Self.digest, for: "chmodded", stamp: recentlyChanged, seenAt: Self.now)
        #expect(cache.digest(for: "recent", stamp: recent) == nil)
        #expect(cache.digest(for: "chmodded", stamp: recentlyChanged) == nil)
    }

    @Test(arguments: [
        "garbage\n",
        "git-recipe hash cache v2\n",
        "git-recipe hash cache v1\n1 2 3 4 5 \(String(repeating: "a", count: 64)) path",
        "git-recipe hash cache v1\n1 2 x 4 5 \(String(repeating: "a", count: 64)) path\n",
        "git-recipe hash cache v1\n1 2 3 4 5 short path\n",
    ])
    func aCorruptOrForeignCacheIsDiscardedWithAWarning(contents: String) throws {
        let directory = try TemporaryDirectory()
        try directory.write("cache", contents)
        let cache = HashCache(at: "\(directory.path)/cache")
        #expect(cache.warning?.hasPrefix("discarded the hash cache '\(directory.path)/cache'") == true)
        #expect(cache.digest(for: "path", stamp: Self.old) == nil)
        try cache.save()
        #expect(HashCache(at: "\(directory.path)/cache").warning == nil, "the next save replaces it with a valid cache")
    }
}
