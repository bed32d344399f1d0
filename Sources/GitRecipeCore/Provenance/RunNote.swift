/// The runs recorded on one commit: a YAML stream with one document per run, in run-id
/// order. Readers deduplicate by `id`, so a note merged line by line
/// (`git notes merge -s union`) still reads correctly.
public struct RunNote: Equatable, Sendable {
    /// Each run's id and its document's text (without the `---` line).
    public private(set) var documents: [(id: String, text: String)] = []

    public static func == (lhs: RunNote, rhs: RunNote) -> Bool { lhs.rendered == rhs.rendered }

    /// Splits a note into its documents, keeping the first of any repeated id.
    public init(parsing text: String?) {
        guard let text else { return }
        var current: [Substring] = []
        func flush() {
            while current.last?.isEmpty == true { current.removeLast() }
            let body = current.joined(separator: "\n")
            current = []
            guard !body.allSatisfy(\.isWhitespace) else { return }
            let id = body.split(separator: "\n").first { $0.hasPrefix("id: ") }
                .map { $0.dropFirst(4).trimmingCharacters(in: ["\"", "'"]) } ?? ""
            add(id: id, text: body + "\n")
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "---" { flush() } else { current.append(line) }
        }
        flush()
    }

    /// Adds a run's document unless one with its id is already there; keeps id order.
    public mutating func add(id: String, text: String) {
        guard !documents.contains(where: { $0.id == id }) else { return }
        let position = documents.firstIndex { $0.id > id } ?? documents.endIndex
        documents.insert((id, text), at: position)
    }

    /// The note's text.
    public var rendered: String {
        documents.map { "---\n" + $0.text }.joined()
    }
}
