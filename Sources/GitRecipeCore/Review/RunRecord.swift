import Foundation

/// One recorded run, as read back from the note it is attached to: the fields reviews sort,
/// filter and summarise by, and the manifest's text for everything else.
public struct RunRecord: Sendable {
    public let id: String
    public let recipe: String
    public let status: String
    /// The commit the run was made on, as its manifest says.
    public let commit: String
    /// The commit whose note holds it: differs from `commit` when `notes.rewriteRef`
    /// carried the note across a rebase or amend.
    public let attachedTo: ObjectID
    public let lock: String
    public let started: String
    public let finished: String
    public let seed: Int?
    public let sweep: String?
    public let reproduces: String?
    public let verdict: String?
    public let metrics: [String: Double]
    /// The manifest document as recorded.
    public let document: String

    /// The commit the run really ran on, when the note was carried here from it.
    public var inheritedFrom: String? { commit == attachedTo.hex ? nil : commit }

    /// Wall-clock seconds from start to finish.
    public var seconds: Int? {
        guard let start = Self.epochSeconds(started), let end = Self.epochSeconds(finished) else { return nil }
        return end - start
    }

    /// The full manifest as a value tree.
    public func manifest() throws -> ManifestValue { try ManifestValue(yaml: document) }

    /// Reads a manifest document. Documents git-recipe wrote are read line by line, without
    /// a YAML parser (a YAML parse costs ~0.3 ms a document, and `log` reads thousands);
    /// anything else — edited by hand, written by another tool — goes through the parser.
    /// `nil` when the document is not a run manifest.
    init?(document: String, attachedTo: ObjectID) {
        var fields: [String: String] = [:]
        var metrics: [String: Double] = [:]
        if !Self.scanCanonical(document, into: &fields, metrics: &metrics) {
            guard let tree = try? ManifestValue(yaml: document), case .map(let entries) = tree else { return nil }
            fields = [:]
            for entry in entries {
                switch entry.value {
                case .string(let text): fields[entry.key] = text
                case .int, .float, .bool: fields[entry.key] = entry.value.text
                default: continue
                }
            }
            metrics = [:]
            for (path, value) in tree["metrics"]?.leaves ?? [] { if let number = value.number { metrics[path] = number } }
        }
        guard let id = fields["id"], let recipe = fields["recipe"], let status = fields["status"],
              let commit = fields["commit"] else { return nil }
        self.id = id
        self.recipe = recipe
        self.status = status
        self.commit = commit
        self.attachedTo = attachedTo
        self.lock = fields["lock"] ?? ""
        self.started = fields["started"] ?? ""
        self.finished = fields["finished"] ?? ""
        self.seed = fields["seed"].flatMap { Int($0) }
        self.sweep = fields["sweep"]
        self.reproduces = fields["reproduces"]
        self.verdict = fields["verdict"]
        self.metrics = metrics
        self.document = document
    }

    /// Reads the layout ``CanonicalYAML`` writes: top-level `key: scalar` lines, and the
    /// `metrics` block of `  name: number` lines. `false` at anything else it would need.
    private static func scanCanonical(_ document: String, into fields: inout [String: String], metrics: inout [String: Double]) -> Bool {
        var block = ""
        for line in document.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if line.first == UInt8(ascii: " ") {
                guard block == "metrics" else { continue }
                guard let (key, value) = keyValue(line.dropFirst(2)), !key.isEmpty, line.dropFirst(2).first != UInt8(ascii: " ") else { return false }
                guard let number = Double(value) ?? special[value] else { return false }
                metrics[key] = number
                continue
            }
            if line.first == UInt8(ascii: "#") { continue }
            guard let (key, value) = keyValue(line[...]) else { return false }
            block = value.isEmpty ? key : ""
            if value.isEmpty || value == "{}" || value == "[]" { continue }
            if value.first == "{" || value.first == "[" || value.first == "'" || value.first == "&" || value.first == "*" {
                if key == "metrics" || fieldsRead.contains(key) { return false }
                continue
            }
            guard let scalar = value.first == "\"" ? unquoted(value) : value else { return false }
            fields[key] = scalar
        }
        return true
    }

    private static let fieldsRead: Set<String> = ["id", "recipe", "status", "commit", "lock", "started", "finished",
                                                  "seed", "sweep", "reproduces", "verdict"]
    private static let special: [String: Double] = [".nan": .nan, ".inf": .infinity, "-.inf": -.infinity]

    /// `key: value` (value empty for `key:`), with a plain key; `nil` otherwise.
    private static func keyValue(_ line: Substring.UTF8View.SubSequence) -> (String, String)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let key = String(decoding: line[..<colon], as: UTF8.self)
        guard !key.isEmpty, key.first != "\"", key.first != "'" else { return nil }
        let rest = line[line.index(after: colon)...]
        if rest.isEmpty { return (key, "") }
        guard rest.first == UInt8(ascii: " ") else { return nil }
        return (key, String(decoding: rest.dropFirst(), as: UTF8.self))
    }

    /// A double-quoted scalar's text (the escapes ``CanonicalYAML`` writes).
    private static func unquoted(_ value: String) -> String? {
        guard value.count >= 2, value.hasSuffix("\"") else { return nil }
        var result = ""
        var characters = value.dropFirst().dropLast().unicodeScalars.makeIterator()
        while let scalar = characters.next() {
            guard scalar == "\\" else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch characters.next() {
            case "n": result += "\n"
            case "t": result += "\t"
            case "r": result += "\r"
            case "\"": result += "\""
            case "\\": result += "\\"
            case "u":
                var hex = ""
                for _ in 0..<4 { if let digit = characters.next() { hex.unicodeScalars.append(digit) } }
                guard let code = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(code) else { return nil }
                result.unicodeScalars.append(decoded)
            default: return nil
            }
        }
        return result
    }

    /// Seconds since 1970 for `2026-11-22T10:15:00Z`, read by hand: a formatter costs more
    /// than everything else `log` does per run.
    static func epochSeconds(_ timestamp: String) -> Int? {
        let digits = Array(timestamp.utf8)
        guard digits.count == 20, digits[19] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard (48...57).contains(digits[index]) else { return nil }
                value = value * 10 + Int(digits[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + hour * 3_600 + minute * 60 + second
    }
}
