import Foundation
import TestSupport
import Testing

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

    @Test func savesMergeChangesIntoTheSortedRecordsWithoutLosingAny() throws {
        let directory = try TemporaryDirectory()
        func stamp(_ inode: UInt64, device: UInt64 = 7) -> FileStamp {
            FileStamp(device: device, inode: inode, size: 1, modified: Self.old.modified, changed: Self.old.changed)
        }
        func digest(_ n: UInt64) -> ContentDigest { ContentDigest.of(Data("\(n)".utf8)) }
        let first = Array(stride(from: UInt64(1), to: 10_000, by: 20)).shuffled()  // stored in no particular order
        let cache = HashCache(at: "\(directory.path)/cache")
        for inode in first { cache.store(digest(inode), for: stamp(inode), seenAt: Self.now) }
        cache.store(digest(1), for: stamp(1, device: 3), seenAt: Self.now)
        try cache.save()
        // Reopened: update some, remove one (seen racily clean), add others, on both sides of the old ones.
        let reopened = HashCache(at: "\(directory.path)/cache")
        for inode in first { #expect(reopened.digest(for: stamp(inode)) == digest(inode)) }
        let updated = first[0]
        let removed = first[1]
        reopened.store(digest(updated + 1), for: stamp(updated), seenAt: Self.now)
        reopened.store(digest(removed), for: stamp(removed), seenAt: Self.old.modified)
        for inode: UInt64 in [0, 20_000, 5_000] { reopened.store(digest(inode), for: stamp(inode), seenAt: Self.now) }
        try reopened.save()
        let last = HashCache(at: "\(directory.path)/cache")
        #expect(last.warning == nil)
        #expect(last.digest(for: stamp(updated)) == digest(updated + 1))
        #expect(last.digest(for: stamp(removed)) == nil)
        for inode in Set(first).subtracting([updated, removed]) { #expect(last.digest(for: stamp(inode)) == digest(inode)) }
        for inode: UInt64 in [0, 20_000, 5_000] { #expect(last.digest(for: stamp(inode)) == digest(inode)) }
        #expect(last.digest(for: stamp(1, device: 3)) == digest(1))
    }

    @Test func racilyCleanEntriesAreNeverStored() throws {
        let directory = try TemporaryDirectory()
        let cache = HashCache(at: "\(directory.path)/cache")
        var recent = Self.old
        recent.modified = Self.now - 1_000_000_000  // modified a second before it was looked at
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
        (
            "a flipped bit",
            { data in
                var copy = data
                copy[HashCache.header.count + 20] ^= 1
                return copy
            }
        ),
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
