import Foundation

/// Remembers file digests by the file's stamp (device, inode, size, mtime and ctime in ns),
/// so an unchanged file is never read twice. Lives in `.git/recipes/hash-cache`.
///
/// A file modified within ``racyWindow`` of the moment it was looked at could change again
/// without its stamp changing (timestamps are coarser than the clock); such "racily clean"
/// entries are never stored, so they are hashed again next time. A cache that cannot be
/// read, or was written by another version, is discarded with a warning: it is never
/// trusted and never fatal.
public final class HashCache {
    static let header = "git-recipe hash cache v1"
    /// Wider than any file system's timestamp granularity (FAT's is 2 s).
    static let racyWindow: Int64 = 2_000_000_000

    private struct Entry {
        var stamp: FileStamp
        var digest: ContentDigest
    }

    public let path: String
    private var entries: [String: Entry] = [:]
    private var modified = false
    /// Why the cache on disk was discarded, if it was.
    public private(set) var warning: String?

    /// Loads the cache at `path`; a missing file is an empty cache.
    public init(at path: String) {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else { return }
        do {
            entries = try Self.parse(data)
        } catch {
            warning = "discarded the hash cache '\(path)' (\(error)); every input is hashed again"
            modified = true
        }
    }

    /// The digest recorded for `key`, if the file's stamp is exactly what it was then.
    func digest(for key: String, stamp: FileStamp) -> ContentDigest? {
        guard let entry = entries[key], entry.stamp == stamp else { return nil }
        return entry.digest
    }

    /// Records a digest computed from a file whose stamp was `stamp` when looked at `seenAt`
    /// (ns since the epoch). Racily clean files are not recorded.
    func store(_ digest: ContentDigest, for key: String, stamp: FileStamp, seenAt: Int64) {
        guard stamp.modified < seenAt - Self.racyWindow, stamp.changed < seenAt - Self.racyWindow,
              !key.contains("\n") else {
            if entries.removeValue(forKey: key) != nil { modified = true }
            return
        }
        if entries[key]?.stamp == stamp && entries[key]?.digest == digest { return }
        entries[key] = Entry(stamp: stamp, digest: digest)
        modified = true
    }

    /// Writes the cache atomically if anything changed.
    public func save() throws {
        guard modified else { return }
        var text = Self.header + "\n"
        text.reserveCapacity(entries.count * 140)
        for (key, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let s = entry.stamp
            text += "\(s.device) \(s.inode) \(s.size) \(s.modified) \(s.changed) \(entry.digest.hex) \(key)\n"
        }
        var transaction = FileTransaction()
        transaction.write(Data(text.utf8), to: URL(fileURLWithPath: path))
        try transaction.commit()
        modified = false
    }

    private struct CorruptCache: Error, CustomStringConvertible {
        let description: String
    }

    /// Parses `header\n` then one `dev ino size mtime ctime hex path` line per entry.
    private static func parse(_ data: Data) throws -> [String: Entry] {
        var entries: [String: Entry] = [:]
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)[...]
            guard let first = lines.popFirst(), String(decoding: first, as: UTF8.self) == header else {
                throw CorruptCache(description: "not a version-1 hash cache")
            }
            guard lines.last?.isEmpty == true else { throw CorruptCache(description: "truncated") }
            lines = lines.dropLast()
            entries.reserveCapacity(lines.count)
            for (number, line) in lines.enumerated() {
                let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 6, omittingEmptySubsequences: false)
                guard fields.count == 7, let device = UInt64(fields[0]), let inode = UInt64(fields[1]),
                      let size = Int64(fields[2]), let mtime = Int64(fields[3]), let ctime = Int64(fields[4]),
                      fields[5].count == 64, !fields[6].isEmpty else {
                    throw CorruptCache(description: "line \(number + 2) is malformed")
                }
                let stamp = FileStamp(device: device, inode: inode, size: size, modified: mtime, changed: ctime)
                let key = String(decoding: fields[6], as: UTF8.self)
                entries[key] = Entry(stamp: stamp, digest: ContentDigest(hex: String(decoding: fields[5], as: UTF8.self)))
            }
        }
        return entries
    }
}

private extension UInt64 {
    init?(_ bytes: Slice<UnsafeRawBufferPointer>) {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard (48...57).contains(byte) else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = product + UInt64(byte - 48)
        }
        self = value
    }
}

private extension Int64 {
    init?(_ bytes: Slice<UnsafeRawBufferPointer>) {
        let negative = bytes.first == UInt8(ascii: "-")
        guard let magnitude = UInt64(negative ? bytes.dropFirst() : bytes), magnitude <= UInt64(Int64.max) else { return nil }
        self = negative ? -Int64(magnitude) : Int64(magnitude)
    }
}
