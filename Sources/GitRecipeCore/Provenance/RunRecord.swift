import Foundation

/// One recorded run, as read back from the note it is attached to: the fields reviews sort,
/// filter and summarise by, and the manifest's text for everything else.
public struct RunRecord: Sendable {
    /// What the run's document says, read once and shared by every copy: `log` and
    /// `dashboard` pass ten thousand records through filters, groupings and sorts, where
    /// copying fifteen fields costs fifteen reference counts and one shared box costs one.
    /// It depends on the document alone, so ``RunIndex`` keeps it per note blob.
    final class Fields: Sendable {
        // The properties of the same names below.
        let id: String
        let recipe: String
        let status: String
        let commit: String
        let lock: String
        let started: String
        let finished: String
        let seed: Int?
        let sweep: String?
        let grid: String?
        let reproduces: String?
        let verdict: String?
        let metrics: [String: Double]
        let overrides: [String: String]
        let document: String

        init(
            id: String, recipe: String, status: String, commit: String, lock: String, started: String, finished: String, seed: Int?,
            sweep: String?, grid: String?, reproduces: String?, verdict: String?, metrics: [String: Double], overrides: [String: String],
            document: String
        ) {
            self.id = id
            self.recipe = recipe
            self.status = status
            self.commit = commit
            self.lock = lock
            self.started = started
            self.finished = finished
            self.seed = seed
            self.sweep = sweep
            self.grid = grid
            self.reproduces = reproduces
            self.verdict = verdict
            self.metrics = metrics
            self.overrides = overrides
            self.document = document
        }
    }

    /// What its document says.
    let fields: Fields

    /// The run's id: its UTC start time and random hex.
    public var id: String { fields.id }
    /// The recipe it ran.
    public var recipe: String { fields.recipe }
    /// `succeeded`, `failed` or `cancelled`, as recorded.
    public var status: String { fields.status }
    /// The commit the run was made on, as its manifest says.
    public var commit: String { fields.commit }
    /// The commit whose note holds it: differs from `commit` when `notes.rewriteRef`
    /// carried the note across a rebase or amend.
    public let attachedTo: ObjectID
    /// The digest of the lock it ran with.
    public var lock: String { fields.lock }
    /// When it started, UTC, as recorded.
    public var started: String { fields.started }
    /// When it finished, UTC, as recorded.
    public var finished: String { fields.finished }
    /// The seed it ran with.
    public var seed: Int? { fields.seed }
    /// The sweep it was one seed of.
    public var sweep: String? { fields.sweep }
    /// The grid whose point its sweep is.
    public var grid: String? { fields.grid }
    /// For a reproduction: the id of the run it re-ran.
    public var reproduces: String? { fields.reproduces }
    /// For a reproduction: its verdict, as recorded.
    public var verdict: String? { fields.verdict }
    /// Its metrics, flattened to dotted names.
    public var metrics: [String: Double] { fields.metrics }
    /// The params the run overrode (`-p`), as text by dotted name.
    var overrides: [String: String] { fields.overrides }
    /// The manifest document as recorded.
    public var document: String { fields.document }
    /// The record waits in `.git/recipes/journal/`: it could not be added to the note yet.
    var journaled = false

    /// The verdict as a tier; `nil` for none, or a word git-recipe does not write.
    var tier: Verdict.Tier? { verdict.flatMap(Verdict.Tier.init(rawValue:)) }

    /// The commit the run really ran on, when the note was carried here from it.
    var inheritedFrom: String? { commit == attachedTo.hex ? nil : commit }

    /// Wall-clock seconds from start to finish.
    public var seconds: Int? {
        guard let start = Self.epochSeconds(started), let end = Self.epochSeconds(finished) else { return nil }
        return end - start
    }

    /// The full manifest, decoded.
    public func manifest() throws(ManifestError) -> RunManifest { try RunManifest(decoding: document) }

    /// The record of `fields`' run in the note on `attachedTo`.
    init(_ fields: Fields, attachedTo: ObjectID) {
        self.fields = fields
        self.attachedTo = attachedTo
    }

    /// Reads a manifest document in the note on `attachedTo`; `nil` when it is not a run manifest.
    init?(document: String, attachedTo: ObjectID) {
        guard let fields = Fields(document: document) else { return nil }
        self.init(fields, attachedTo: attachedTo)
    }
}

extension RunRecord.Fields {
    /// Reads a manifest document. Documents git-recipe wrote are read line by line, without
    /// a YAML parser (a YAML parse costs ~0.3 ms a document, and `log` reads thousands);
    /// anything else — edited by hand, written by another tool — goes through the parser.
    /// `nil` when the document is not a run manifest.
    convenience init?(document: String) {
        var scanned = Scanned()
        var metrics: [String: Double] = [:]
        var overrides: [String: String] = [:]
        if !Self.scanCanonical(document, into: &scanned, metrics: &metrics, overrides: &overrides) {
            guard let tree = try? ManifestValue(yaml: document), case .map(let entries) = tree else { return nil }
            scanned = Scanned()
            for entry in entries {
                switch entry.value {
                case .string(let text): scanned.set(entry.key, text)
                case .int, .float, .bool: scanned.set(entry.key, entry.value.text)
                default: continue
                }
            }
            metrics = [:]
            for (path, value) in tree["metrics"]?.leaves ?? [] { if let number = value.number { metrics[path] = number } }
            for entry in tree["overrides"]?.entries ?? [] {
                overrides[entry.key] = entry.value.text
            }
        }
        guard let id = scanned.id, let recipe = scanned.recipe, let status = scanned.status, let commit = scanned.commit else { return nil }
        self.init(
            id: id, recipe: recipe, status: status, commit: commit, lock: scanned.lock ?? "",
            started: scanned.started ?? "", finished: scanned.finished ?? "", seed: scanned.seed.flatMap { Int($0) },
            sweep: scanned.sweep, grid: scanned.grid, reproduces: scanned.reproduces, verdict: scanned.verdict, metrics: metrics,
            overrides: overrides, document: document)
    }

    /// The top-level scalars a record keeps, as read: held in fields, not in a dictionary,
    /// since `log` reads ten thousand documents and a dictionary costs a hash per key.
    private struct Scanned {
        var id, recipe, status, commit, lock, started, finished, seed, sweep, grid, reproduces, verdict: String?

        /// Where `key`'s value goes; `nil` for a key a record does not keep.
        static func field(_ key: String) -> WritableKeyPath<Scanned, String?>? {
            switch key {
            case "id": \.id
            case "recipe": \.recipe
            case "status": \.status
            case "commit": \.commit
            case "lock": \.lock
            case "started": \.started
            case "finished": \.finished
            case "seed": \.seed
            case "sweep": \.sweep
            case "grid": \.grid
            case "reproduces": \.reproduces
            case "verdict": \.verdict
            default: nil
            }
        }

        /// Keeps `value` as `key`'s, when it is one of them.
        mutating func set(_ key: String, _ value: String) {
            if let field = Self.field(key) { self[keyPath: field] = value }
        }
    }

    /// Reads the layout ``CanonicalYAML`` writes: top-level `key: scalar` lines, and the
    /// `metrics` block of `  name: number` lines, the `overrides` block of `  name: scalar`
    /// lines. `false` at anything else it would need. Works on bytes and decodes only the
    /// values it keeps.
    private static func scanCanonical(
        _ document: String, into fields: inout Scanned, metrics: inout [String: Double], overrides: inout [String: String]
    ) -> Bool {
        let bytes = Array(document.utf8)
        var lineStart = 0
        var inMetrics = false
        var inOverrides = false
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: newline) ?? bytes.count
            let line = bytes[lineStart..<lineEnd]
            lineStart = lineEnd + 1
            guard let first = line.first, first != UInt8(ascii: "#") else { continue }
            if first == space {
                if inOverrides {
                    let entry = line.dropFirst(2)
                    guard entry.first != space, let (key, value) = split(entry), !value.isEmpty, let text = scalar(value) else { return false }
                    overrides[key] = text
                    continue
                }
                guard inMetrics else { continue }
                let entry = line.dropFirst(2)
                guard entry.first != space, let (key, value) = split(entry), !value.isEmpty else { return false }
                let text = String(decoding: value, as: UTF8.self)
                guard let number = Double(text) ?? special[text] else { return false }
                metrics[key] = number
                continue
            }
            guard let (key, value) = split(line) else { return false }
            inMetrics = key == "metrics" && value.isEmpty
            inOverrides = key == "overrides" && value.isEmpty
            // `metrics` with a value on its line (a flow mapping) is for the parser.
            guard key == "metrics" || Scanned.field(key) != nil else { continue }
            if value.isEmpty || value.elementsEqual("{}".utf8) { continue }
            guard let scalar = scalar(value) else { return false }
            fields.set(key, scalar)
        }
        return true
    }

    /// Bytes the scanner looks for.
    private static let newline = UInt8(ascii: "\n"), space = UInt8(ascii: " "), quote = UInt8(ascii: "\"")
    /// How canonical YAML writes the numbers that are not finite.
    private static let special: [String: Double] = [".nan": .nan, ".inf": .infinity, "-.inf": -.infinity]

    /// `key: value` (value empty for `key:`), with a plain key; `nil` otherwise.
    private static func split(_ line: ArraySlice<UInt8>) -> (String, ArraySlice<UInt8>)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex, let first = line.first,
            !"\"'{[?".utf8.contains(first)
        else { return nil }
        let rest = line[(colon + 1)...]
        guard rest.isEmpty || rest.first == space else { return nil }
        return (String(decoding: line[..<colon], as: UTF8.self), rest.dropFirst())
    }

    /// A plain or double-quoted scalar's text; `nil` for any other style.
    private static func scalar(_ value: ArraySlice<UInt8>) -> String? {
        guard let first = value.first else { return "" }
        guard !"{['&*|>".utf8.contains(first) else { return nil }
        guard first == quote else { return String(decoding: value, as: UTF8.self) }
        return CanonicalReader.quoted(value)
    }
}

extension RunRecord {
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
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
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
