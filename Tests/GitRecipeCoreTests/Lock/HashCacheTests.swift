import Foundation
import Testing
import TestSupport
@testable import GitRecipeCore

@Suite("The hash cache")
struct HashCacheTests {
    static let digest = ContentDigest.of(Data("x".utf8))
    static let now: Int64 = 1_800_000_000 * 1_000_000_000
    static let old = FileStamp(device: 1, inode: 2, size: 3, modified: now - 60_000_000_000, changed: now - 60_000_000_000)

    func savedCache() throws -> (TemporaryDirectory, Data) {
        let directory = try TemporaryDirectory()
        let cache = HashCache(at: "\(directory.path)/cache")
        cache.store(Self.digest, for: Self.old, seenAt: Self.now)
        try cache.save()
        return (directory, try Data(contentsOf: URL(fileURLWithPath: "\(directory.path)/cache")))
    }

    @Test func anEntryIsTrustedOnlyWhileItsStampIsExactlyTheSame() throws {
        let (directory, _) = try savedCache()
        let reloaded = HashCache(at: "\(directory.path)/cache")
        #expect(reloaded.warning == nil)
        #expect(reloaded.digest(for: Self.old) == Self.digest)
        for changed in [\FileStamp.size, \.modified, \.changed] {
            var stamp = Self.old
            stamp[keyPath: changed] += 1
            #expect(reloaded.digest(for: stamp) == nil)
        }
        var moved = Self.old
        moved.inode += 1
        #expect(reloaded.digest(for: moved) == nil)
        var otherDevice = Self.old
        otherDevice.device += 1
        #expect(reloaded.digest(for: otherDevice) == nil)
    }

    @Test func racilyCleanEntriesAreNeverStored() throws {
        let directory = try TemporaryDirectory()
        let cache = HashCache(at: "\(directory.path)/cache")
        var recent = Self.old
        recent.modified = Self.now - 1_000_000_000   // modified a second before it was looked at
        cache.store(Self.digest, for: recent, seenAt: Self.now)
        var recentlyChanged = Self.old
        recentlyChanged.inode = 99
        recentlyChanged.changed = Self.now - 10
        cache.store(Self.digest, for: recentlyChanged, seenAt: Self.now)
        #expect(cache.digest(for: recent) == nil)
        #expect(cache.digest(for: recentlyChanged) == nil)
    }

    /// Ways a cache file goes bad: none is trusted, none is fatal.
    static let damage: [(String, @Sendable (Data) -> Data)] = [
        ("garbage", { _ in Data("garbage\n".utf8) }),
        ("another version", { Data("git-recipe hash cache v1\n".utf8) + $0.dropFirst(HashCache.header.count) }),
        ("truncated", { $0.dropLast(5) }),
        ("a flipped bit", { data in var copy = data; copy[HashCache.header.count + 20] ^= 1; return copy }),
    ]

    @Test(arguments: 0..<damage.count)
    func aDamagedCacheIsDiscardedWithAWarning(index: Int) throws {
        let (directory, bytes) = try savedCache()
        try Self.damage[index].1(bytes).write(to: URL(fileURLWithPath: "\(directory.path)/cache"))
        let cache = HashCache(at: "\(directory.path)/cache")
        #expect(cache.warning?.hasPrefix("discarded the hash cache '\(directory.path)/cache'") == true, "\(Self.damage[index].0)")
        #expect(cache.digest(for: Self.old) == nil)
        try cache.save()
        #expect(HashCache(at: "\(directory.path)/cache").warning == nil, "the next save replaces it with a valid cache")
    }
}
