import Foundation

/// The run records of each note blob, as ``RunRecord`` reads them, kept in
/// `.git/recipes/run-index`. Reviews over a long history (`log`, `dashboard`, a name resolved
/// by `show` or `report`) read every note, and inflating and scanning ten thousand notes
/// costs more than all the rest they do; reading their records from one file does not.
///
/// It holds nothing the notes do not: an entry is keyed by its note blob's id, and a blob
/// never changes (a note that gains a run is a new blob, read from the notes and added), so
/// no entry goes stale. Like git's commit-graph it only saves work, and is not checksummed
/// on every read: it is replaced whole (temporary file and rename) when the notes read
/// outside it reach a sixteenth of those read, or one of its entries could not be read; a
/// file or entry that cannot be read (cut short, not UTF-8 where text is, another version)
/// is ignored, its notes read instead. Deleting it is always safe.
///
/// Layout, integers little-endian: `GRRI`, the version (u32), the entry count (u32), then
/// per entry its blob id (20 bytes), offset and length (u64 each) in the file; each entry is
/// the count of documents that are not run records (u32), the count of records (u32) and
/// each record's fields (strings as a u32 length and UTF-8; an absent one as length
/// `0xFFFFFFFF`; numbers as their IEEE 754 bits).
struct RunIndex: Sendable {
    /// One note blob's records, and how many of its documents are not run records.
    struct Entry {
        let records: [RunRecord.Fields]
        let unreadable: Int
    }

    /// The file's bytes.
    private let bytes: Data
    /// Where each blob's entry lies in `bytes`.
    private let places: [ObjectID: Range<Int>]

    /// Raised whenever what an entry holds changes: a file of another version is ignored.
    static let version: UInt32 = 1
    private static let magic = Array("GRRI".utf8)
    private static let absent = UInt32.max

    /// Where `repository`'s index lives.
    static func path(in repository: Repository) -> String { "\(repository.commonDirectory)/recipes/run-index" }

    /// The index at `path`; an empty one when there is none, or it cannot be read.
    init(contentsOf path: String) {
        guard let bytes = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped),
            let places = Self.places(in: bytes)
        else {
            (self.bytes, self.places) = (Data(), [:])
            return
        }
        (self.bytes, self.places) = (bytes, places)
    }

    /// Whether it has no entries (there is no index yet, or it could not be read).
    var isEmpty: Bool { places.isEmpty }

    /// Whether the index has an entry for `blob`, readable or not.
    func holds(_ blob: ObjectID) -> Bool { places[blob] != nil }

    /// The records of `blob`'s note; `nil` when the index does not hold it, or holds it damaged.
    func entry(_ blob: ObjectID) -> Entry? {
        guard let place = places[blob] else { return nil }
        return bytes.withUnsafeBytes { buffer in
            var reader = Reader(buffer: UnsafeRawBufferPointer(rebasing: buffer[place]))
            return reader.entry()
        }
    }

    /// An entry as the index holds it: encoded by each worker that read a note, so that
    /// writing the index only copies bytes.
    static func encoded(_ entry: Entry) -> [UInt8] {
        var writer = Writer()
        writer.bytes.reserveCapacity(entry.records.reduce(8) { $0 + $1.document.utf8.count + 512 })
        writer.entry(entry)
        return writer.bytes
    }

    /// Writes an index of `blobs`' entries to `path`: those in `read` (``encoded(_:)``), and
    /// the rest copied from this one. Blobs with neither are left out.
    func write(_ blobs: Set<ObjectID>, read: [ObjectID: [UInt8]], to path: String) throws {
        let kept = blobs.sorted().filter { read[$0] != nil || places[$0] != nil }
        var header = Writer()
        header.bytes += Self.magic
        header.integer(Self.version)
        header.integer(UInt32(kept.count))
        var offset = header.bytes.count + 36 * kept.count
        for blob in kept {
            let length = read[blob]?.count ?? places[blob]?.count ?? 0
            header.bytes += blob.bytes
            header.integer(UInt64(offset))
            header.integer(UInt64(length))
            offset += length
        }
        // One buffer of the file's size, each entry copied in once.
        var file = Data(capacity: offset)
        file += header.bytes
        for blob in kept {
            if let entry = read[blob] {
                file += entry
            } else if let place = places[blob] {
                file += bytes[place]
            }
        }
        var transaction = FileTransaction()
        transaction.write(file, to: URL(fileURLWithPath: path))
        try transaction.commit()
    }

    /// Each entry's place, from the header; `nil` when the file is not an index of this
    /// version or a place lies outside it.
    private static func places(in bytes: Data) -> [ObjectID: Range<Int>]? {
        bytes.withUnsafeBytes { buffer -> [ObjectID: Range<Int>]? in
            var reader = Reader(buffer: buffer)
            guard reader.take(magic.count).map(Array.init) == magic, reader.integer(UInt32.self) == version,
                let count = reader.integer(UInt32.self), Int(count) <= buffer.count / 36
            else { return nil }
            var places: [ObjectID: Range<Int>] = [:]
            places.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let id = reader.take(20), let offset = reader.integer(UInt64.self), let length = reader.integer(UInt64.self),
                    offset <= UInt64(buffer.count), length <= UInt64(buffer.count) - offset
                else { return nil }
                places[ObjectID(bytes: id)] = Int(offset)..<Int(offset + length)
            }
            return places
        }
    }

    /// Reads an index's bytes; every read checks that the bytes are there.
    private struct Reader {
        let buffer: UnsafeRawBufferPointer
        var position = 0

        mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
            guard count <= buffer.count - position else { return nil }
            defer { position += count }
            return UnsafeRawBufferPointer(rebasing: buffer[position..<position + count])
        }

        mutating func integer<Integer: FixedWidthInteger>(_: Integer.Type) -> Integer? {
            take(MemoryLayout<Integer>.size).map { Integer(littleEndian: $0.loadUnaligned(as: Integer.self)) }
        }

        /// A string, or `.some(nil)` for an absent one; `nil` when the bytes are not there.
        mutating func optionalString() -> String?? {
            guard let length = integer(UInt32.self) else { return nil }
            if length == RunIndex.absent { return .some(nil) }
            guard let bytes = take(Int(length)), let text = String(validating: bytes, as: UTF8.self) else { return nil }
            return text
        }

        mutating func string() -> String? { optionalString() ?? nil }

        mutating func number() -> Double? { integer(UInt64.self).map(Double.init(bitPattern:)) }

        mutating func entry() -> Entry? {
            guard let unreadable = integer(UInt32.self), let count = integer(UInt32.self) else { return nil }
            var records: [RunRecord.Fields] = []
            records.reserveCapacity(Int(min(count, 1024)))
            for _ in 0..<count {
                guard let record = fields() else { return nil }
                records.append(record)
            }
            return position == buffer.count ? Entry(records: records, unreadable: Int(unreadable)) : nil
        }

        mutating func fields() -> RunRecord.Fields? {
            guard let id = string(), let recipe = string(), let status = string(), let commit = string(), let lock = string(),
                let started = string(), let finished = string(), let seed = optionalString(), let sweep = optionalString(),
                let grid = optionalString(), let reproduces = optionalString(), let verdict = optionalString(),
                let metricCount = integer(UInt32.self)
            else { return nil }
            var metrics: [String: Double] = [:]
            metrics.reserveCapacity(Int(min(metricCount, 1024)))
            for _ in 0..<metricCount {
                guard let name = string(), let value = number() else { return nil }
                metrics[name] = value
            }
            guard let overrideCount = integer(UInt32.self) else { return nil }
            var overrides: [String: String] = [:]
            for _ in 0..<overrideCount {
                guard let name = string(), let value = string() else { return nil }
                overrides[name] = value
            }
            guard let document = string() else { return nil }
            return RunRecord.Fields(
                id: id, recipe: recipe, status: status, commit: commit, lock: lock, started: started, finished: finished,
                seed: seed.flatMap { Int($0) }, sweep: sweep, grid: grid, reproduces: reproduces, verdict: verdict, metrics: metrics,
                overrides: overrides, document: document)
        }
    }

    /// Writes an index's bytes.
    private struct Writer {
        var bytes: [UInt8] = []

        mutating func integer<Integer: FixedWidthInteger>(_ value: Integer) {
            withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
        }

        mutating func string(_ text: String?) {
            guard var text else { return integer(RunIndex.absent) }
            integer(UInt32(text.utf8.count))
            text.withUTF8 { bytes += $0 }
        }

        mutating func entry(_ entry: Entry) {
            integer(UInt32(entry.unreadable))
            integer(UInt32(entry.records.count))
            for record in entry.records {
                string(record.id)
                string(record.recipe)
                string(record.status)
                string(record.commit)
                string(record.lock)
                string(record.started)
                string(record.finished)
                string(record.seed.map(String.init))
                string(record.sweep)
                string(record.grid)
                string(record.reproduces)
                string(record.verdict)
                integer(UInt32(record.metrics.count))
                for (name, value) in record.metrics.sorted(by: { $0.key < $1.key }) {
                    string(name)
                    integer(value.bitPattern)
                }
                integer(UInt32(record.overrides.count))
                for (name, value) in record.overrides.sorted(by: { $0.key < $1.key }) {
                    string(name)
                    string(value)
                }
                string(record.document)
            }
        }
    }
}
