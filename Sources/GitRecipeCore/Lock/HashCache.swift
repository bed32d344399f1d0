import Foundation
import Synchronization

/// Remembers file digests by the file's identity (device, inode) and stamp (size, mtime
/// and ctime in ns), so an unchanged file is never read twice. Lives in
/// `.git/recipes/hash-cache`, one per worktree.
///
/// A file modified within ``racyWindow`` of the moment it was looked at could change again
/// without its stamp changing (timestamps are coarser than the clock); such "racily clean"
/// entries are never stored, so they are hashed again next time. The file ends with a
/// checksum of its records: a cache that is damaged, truncated or of another version is
/// discarded with a warning, never trusted and never fatal. Safe to use from several threads.
final class HashCache: Sendable {
    /// The first bytes of a cache this release writes: magic and version.
    static let header = Array("git-recipe hash cache v4\n".utf8)
    /// device, inode, size, mtime, ctime (five little-endian 64-bit words), then the digest;
    /// sorted by device and inode, so that a lookup reads a few records, not the whole file.
    static let recordSize = 5 * 8 + 32
    /// Wider than any file system's timestamp granularity (FAT's is 2 s).
    static let racyWindow: Int64 = 2_000_000_000

    /// One file's identity and the digest it had.
    private struct Entry {
        var stamp: FileStamp
        var digest: ContentDigest
    }

    /// What changed since the file was read: an entry, or `nil` for one removed.
    private struct State {
        var changes: [FileIdentity: Entry?] = [:]
        var discarded = false
    }

    /// Where the cache is kept.
    public let path: String
    /// The records as read, sorted; never modified.
    private let records: Data
    /// The mapped records and what this process changed, behind one lock.
    private let state: Mutex<State>
    /// Why the cache on disk was discarded, if it was.
    public let warning: String?

    /// Opens the cache at `path`; a missing file is an empty cache. Only the checksum is
    /// verified up front: a hook that looks up ten files does not decode thirty thousand.
    public init(at path: String) {
        self.path = path
        var initial = State()
        var warning: String?
        var records = Data()
        if let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) {
            do {
                records = try Self.verified(data)
            } catch {
                warning = "discarded the hash cache '\(path)' (\(error)); every input is hashed again"
                initial.discarded = true
            }
        }
        self.records = records
        self.warning = warning
        state = Mutex(initial)
    }

    /// The digest recorded for the file with `stamp`, if its stamp is exactly what it was then.
    func digest(for stamp: FileStamp) -> ContentDigest? {
        let changed = state.withLock { $0.changes[stamp.identity] }
        guard let entry = changed ?? Self.find(stamp.identity, in: records), entry.stamp == stamp else { return nil }
        return entry.digest
    }

    /// Records a digest computed from a file whose stamp was `stamp` when looked at `seenAt`
    /// (ns since the epoch). Racily clean files are not recorded.
    func store(_ digest: ContentDigest, for stamp: FileStamp, seenAt: Int64) {
        let trusted = stamp.modified < seenAt - Self.racyWindow && stamp.changed < seenAt - Self.racyWindow
        let recorded = Self.find(stamp.identity, in: records)
        state.withLock { state in
            let current = state.changes[stamp.identity] ?? recorded
            guard trusted else {
                if current != nil { state.changes[stamp.identity] = .some(nil) }
                return
            }
            if let current, current.stamp == stamp, current.digest == digest { return }
            state.changes[stamp.identity] = Entry(stamp: stamp, digest: digest)
        }
    }

    /// Writes the cache atomically if anything changed: the records read, with the changes
    /// merged in order — unchanged records are copied as bytes, never decoded.
    func save() throws {
        try state.withLock { state throws in
            guard !state.changes.isEmpty || state.discarded else { return }
            var output = [UInt8]()
            output.reserveCapacity(records.count + state.changes.count * Self.recordSize)
            records.withUnsafeBytes { bytes in
                let count = bytes.count / Self.recordSize
                var next = 0
                /// Copies the unchanged records up to `end` to the output.
                func copy(upTo end: Int) {
                    output += bytes[(next * Self.recordSize)..<(end * Self.recordSize)]
                    next = end
                }
                for (identity, change) in state.changes.sorted(by: { Self.precedes($0.key, $1.key) }) {
                    var end = next
                    while end < count, Self.precedes(Self.identity(at: end, in: bytes), identity) { end += 1 }
                    copy(upTo: end)
                    if next < count, Self.identity(at: next, in: bytes) == identity { next += 1 }
                    if let entry = change { Self.append(entry, to: &output) }
                }
                copy(upTo: count)
            }
            var file = Data(Self.header)
            file.append(contentsOf: output)
            output.withUnsafeBytes { withUnsafeBytes(of: Self.checksum(of: $0).littleEndian) { file.append(contentsOf: $0) } }
            var transaction = FileTransaction()
            transaction.write(file, to: URL(fileURLWithPath: path))
            try transaction.commit()
            state.changes = [:]
            state.discarded = false
        }
    }

    /// Appends one record in the file's layout.
    private static func append(_ entry: Entry, to output: inout [UInt8]) {
        let s = entry.stamp
        for word in [s.device, s.inode, UInt64(bitPattern: s.size), UInt64(bitPattern: s.modified), UInt64(bitPattern: s.changed)] {
            withUnsafeBytes(of: word.littleEndian) { output += $0 }
        }
        output += repeatElement(0, count: 32)
        output.withUnsafeMutableBytes { entry.digest.writeBytes(into: UnsafeMutableRawBufferPointer(rebasing: $0[($0.count - 32)...])) }
    }

    /// Why a cache file was not used.
    private struct CorruptCache: Error, CustomStringConvertible {
        let description: String
    }

    /// The records of a cache file whose header and checksum are right.
    private static func verified(_ data: Data) throws -> Data {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            guard bytes.count >= header.count, bytes[..<header.count].elementsEqual(header) else {
                throw CorruptCache(description: "not a version-4 hash cache")
            }
            let body = bytes[header.count...]
            guard body.count >= 8, (body.count - 8) % recordSize == 0 else { throw CorruptCache(description: "truncated") }
            let stored = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
            guard checksum(of: UnsafeRawBufferPointer(rebasing: body.dropLast(8))) == stored else {
                throw CorruptCache(description: "its checksum does not match")
            }
            return data[header.count..<(data.count - 8)]  // a slice of the mapping, not a copy
        }
    }

    /// FNV-1a over the records' 64-bit words. It guards against damage, not forgery, so it
    /// need not be SHA-256, which took a tenth of the pre-commit hook reading 30,000 records:
    /// this is a multiply per word, and one damaged word always changes it (xor with a word
    /// and multiplying by an odd number are both one-to-one).
    static func checksum(of records: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for offset in stride(from: 0, to: records.count, by: 8) {
            hash = (hash ^ UInt64(littleEndian: records.loadUnaligned(fromByteOffset: offset, as: UInt64.self))) &* 0x100_0000_01b3
        }
        return hash
    }

    /// The record for `identity`, by binary search.
    private static func find(_ identity: FileIdentity, in records: Data) -> Entry? {
        records.withUnsafeBytes { bytes in
            var low = 0
            var high = bytes.count / recordSize
            while low < high {
                let middle = (low + high) / 2
                let entry = self.identity(at: middle, in: bytes)
                if entry == identity { return self.entry(at: middle, in: bytes) }
                if precedes(entry, identity) { low = middle + 1 } else { high = middle }
            }
            return nil
        }
    }

    /// The `index`-th 64-bit word of record `record`.
    private static func word(_ index: Int, of record: Int, in bytes: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: record * recordSize + 8 * index, as: UInt64.self))
    }

    /// The identity fields of record `record`.
    private static func identity(at record: Int, in bytes: UnsafeRawBufferPointer) -> FileIdentity {
        FileIdentity(device: word(0, of: record, in: bytes), inode: word(1, of: record, in: bytes))
    }

    /// Record `record` as an entry.
    private static func entry(at record: Int, in bytes: UnsafeRawBufferPointer) -> Entry {
        let stamp = FileStamp(
            device: word(0, of: record, in: bytes), inode: word(1, of: record, in: bytes),
            size: Int64(bitPattern: word(2, of: record, in: bytes)),
            modified: Int64(bitPattern: word(3, of: record, in: bytes)),
            changed: Int64(bitPattern: word(4, of: record, in: bytes)))
        let start = record * recordSize + 40
        return Entry(stamp: stamp, digest: ContentDigest(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + 32)])))
    }

    /// The order records are kept in, so a lookup is a binary search.
    private static func precedes(_ a: FileIdentity, _ b: FileIdentity) -> Bool {
        (a.device, a.inode) < (b.device, b.inode)
    }
}
