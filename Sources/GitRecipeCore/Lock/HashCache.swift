import Foundation
import Synchronization

/// Remembers file digests by the file's identity (device, inode) and stamp (size, mtime
/// and ctime in ns), so an unchanged file is never read twice. Lives in
/// `.git/recipes/hash-cache`, one per worktree.
///
/// A file modified within ``racyWindow`` of the moment it was looked at could change again
/// without its stamp changing (timestamps are coarser than the clock); such "racily clean"
/// entries are never stored, so they are hashed again next time. The file ends with a
/// SHA-256 of its records: a cache that is damaged, truncated or of another version is
/// discarded with a warning, never trusted and never fatal. Safe to use from several threads.
public final class HashCache: Sendable {
    static let header = Array("git-recipe hash cache v2\n".utf8)
    /// device, inode, size, mtime, ctime (five little-endian 64-bit words), then the digest.
    static let recordSize = 5 * 8 + 32
    /// Wider than any file system's timestamp granularity (FAT's is 2 s).
    static let racyWindow: Int64 = 2_000_000_000

    private struct Entry {
        var stamp: FileStamp
        var digest: ContentDigest
    }

    private struct State {
        var entries: [FileIdentity: Entry] = [:]
        var modified = false
    }

    public let path: String
    private let state: Mutex<State>
    /// Why the cache on disk was discarded, if it was.
    public let warning: String?

    /// Loads the cache at `path`; a missing file is an empty cache.
    public init(at path: String) {
        self.path = path
        var initial = State()
        var warning: String?
        if let data = FileManager.default.contents(atPath: path) {
            do {
                initial.entries = try Self.parse(data)
            } catch {
                warning = "discarded the hash cache '\(path)' (\(error)); every input is hashed again"
                initial.modified = true
            }
        }
        self.warning = warning
        state = Mutex(initial)
    }

    /// The digest recorded for the file with `stamp`, if its stamp is exactly what it was then.
    func digest(for stamp: FileStamp) -> ContentDigest? {
        state.withLock { state in
            guard let entry = state.entries[stamp.identity], entry.stamp == stamp else { return nil }
            return entry.digest
        }
    }

    /// Records a digest computed from a file whose stamp was `stamp` when looked at `seenAt`
    /// (ns since the epoch). Racily clean files are not recorded.
    func store(_ digest: ContentDigest, for stamp: FileStamp, seenAt: Int64) {
        let trusted = stamp.modified < seenAt - Self.racyWindow && stamp.changed < seenAt - Self.racyWindow
        state.withLock { state in
            guard trusted else {
                if state.entries.removeValue(forKey: stamp.identity) != nil { state.modified = true }
                return
            }
            if let entry = state.entries[stamp.identity], entry.stamp == stamp, entry.digest == digest { return }
            state.entries[stamp.identity] = Entry(stamp: stamp, digest: digest)
            state.modified = true
        }
    }

    /// Writes the cache atomically if anything changed.
    public func save() throws {
        try state.withLock { state throws in
            guard state.modified else { return }
            var records = [UInt8]()
            records.reserveCapacity(state.entries.count * Self.recordSize)
            for entry in state.entries.values {
                let s = entry.stamp
                for word in [s.device, s.inode, UInt64(bitPattern: s.size), UInt64(bitPattern: s.modified), UInt64(bitPattern: s.changed)] {
                    withUnsafeBytes(of: word.littleEndian) { records += $0 }
                }
                records += repeatElement(0, count: 32)
                records.withUnsafeMutableBytes { entry.digest.writeBytes(into: UnsafeMutableRawBufferPointer(rebasing: $0[($0.count - 32)...])) }
            }
            var file = Data(Self.header)
            file.append(contentsOf: records)
            ContentDigest.of(records).withBytes { file.append(contentsOf: $0) }
            var transaction = FileTransaction()
            transaction.write(file, to: URL(fileURLWithPath: path))
            try transaction.commit()
            state.modified = false
        }
    }

    private struct CorruptCache: Error, CustomStringConvertible {
        let description: String
    }

    private static func parse(_ data: Data) throws -> [FileIdentity: Entry] {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            guard bytes.count >= header.count, bytes[..<header.count].elementsEqual(header) else {
                throw CorruptCache(description: "not a version-2 hash cache")
            }
            let body = bytes[header.count...]
            guard body.count >= 32, (body.count - 32) % recordSize == 0 else { throw CorruptCache(description: "truncated") }
            let records = UnsafeRawBufferPointer(rebasing: body.dropLast(32))
            guard ContentDigest.of(records) == ContentDigest(bytes: UnsafeRawBufferPointer(rebasing: body.suffix(32))) else {
                throw CorruptCache(description: "its checksum does not match")
            }
            var entries: [FileIdentity: Entry] = [:]
            entries.reserveCapacity(records.count / recordSize)
            for start in stride(from: 0, to: records.count, by: recordSize) {
                func word(_ index: Int) -> UInt64 { UInt64(littleEndian: records.loadUnaligned(fromByteOffset: start + 8 * index, as: UInt64.self)) }
                let stamp = FileStamp(device: word(0), inode: word(1), size: Int64(bitPattern: word(2)),
                                      modified: Int64(bitPattern: word(3)), changed: Int64(bitPattern: word(4)))
                let digest = ContentDigest(bytes: UnsafeRawBufferPointer(rebasing: records[(start + 40)..<(start + recordSize)]))
                entries[stamp.identity] = Entry(stamp: stamp, digest: digest)
            }
            return entries
        }
    }
}
