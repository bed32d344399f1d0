import Foundation

/// The runs recorded on one commit: a YAML stream with one document per run, in run-id
/// order. Readers deduplicate by `id`, so a note merged line by line
/// (`git notes merge -s union`) still reads correctly.
public struct RunNote: Equatable, Sendable {
    /// Each run's id and its document's text (without the `---` line).
    private(set) var documents: [(id: String, text: String)] = []
    /// The ids in `documents`: a note may hold ten thousand runs, and each add looks one up.
    private var ids: Set<String> = []

    /// The note held a NUL or bytes that are not UTF-8; its documents hold U+FFFD there.
    private(set) var hasUnreadableBytes = false

    /// Two notes are equal when they render the same bytes.
    public static func == (lhs: RunNote, rhs: RunNote) -> Bool { lhs.rendered == rhs.rendered }

    /// A note with no runs.
    public init() {}

    /// Splits a note into its documents, keeping the first of any repeated id.
    public init(parsing text: String?) {
        self.init(parsing: text.map { Data($0.utf8) })
    }

    /// Splits a note's bytes into its documents, keeping the first of any repeated id; every
    /// byte after a NUL is read too. Works on bytes: `log` splits thousands of notes.
    public init(parsing data: Data?) {
        guard let data else { return }
        var bytes = [UInt8](data)
        if bytes.contains(0) || String(validating: bytes, as: UTF8.self) == nil {
            hasUnreadableBytes = true
            bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\0", with: "\u{FFFD}").utf8)
        }
        let newline = UInt8(ascii: "\n")
        var start = 0
        var lineStart = 0
        var id = ""
        func flush(_ end: Int) {
            guard start < end else { return }
            var last = end
            while last > start, bytes[last - 1] == newline { last -= 1 }
            let body = bytes[start..<last]
            guard body.contains(where: { ![newline, UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains($0) }) else { return }
            add(id: id, text: String(decoding: body, as: UTF8.self) + "\n")
        }
        while lineStart <= bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: newline) ?? bytes.count
            let line = bytes[lineStart..<lineEnd]
            if line.elementsEqual("---".utf8) {
                flush(lineStart)
                start = lineEnd + 1
                id = ""
            } else if id.isEmpty, line.starts(with: "id: ".utf8) {
                let quotes = "\"'".utf8
                var value = line.dropFirst(4)
                while let first = value.first, quotes.contains(first) { value = value.dropFirst() }
                while let last = value.last, quotes.contains(last) { value = value.dropLast() }
                id = String(decoding: value, as: UTF8.self)
            }
            lineStart = lineEnd + 1
        }
        flush(bytes.count)
    }

    /// Adds a run's document unless one with its id is already there; keeps id order.
    /// A document without an id is not a run record: every distinct one is kept, as it is,
    /// so that an append never drops what it did not understand (and a union of two sides
    /// holding the same one keeps it once).
    public mutating func add(id: String, text: String) {
        guard ids.insert(id.isEmpty ? "\0" + text : id).inserted else { return }
        if let last = documents.last, last.id > id {
            // Binary search: notes are read in id order, so this is the rare case.
            var low = 0
            var high = documents.count
            while low < high {
                let middle = (low + high) / 2
                if documents[middle].id > id { high = middle } else { low = middle + 1 }
            }
            documents.insert((id, text), at: low)
        } else {
            documents.append((id, text))
        }
    }

    /// Puts `text` under `id`, replacing the document held there, if any.
    mutating func replace(id: String, text: String) {
        if let index = documents.firstIndex(where: { $0.id == id }) {
            documents[index].text = text
        } else {
            add(id: id, text: text)
        }
    }

    /// The note's text.
    var rendered: String {
        documents.map { "---\n" + $0.text }.joined()
    }
}
