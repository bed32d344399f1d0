import Foundation
import Yams

/// A manifest (or anything git-recipe prints as data) as a tree of the values JSON can say,
/// in document order.
public indirect enum ManifestValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([ManifestValue])
    case map([Entry])

    /// One key of a mapping and its value, in document order.
    public struct Entry: Equatable, Sendable {
        /// The key as written.
        public let key: String
        /// The value under the key.
        let value: ManifestValue

        /// A key and its value.
        public init(_ key: String, _ value: ManifestValue) {
            self.key = key
            self.value = value
        }
    }

    /// Reads one YAML document, resolving scalars as YAML does (timestamps stay text): the
    /// layout git-recipe writes by ``CanonicalReader``, anything else by the general parser.
    public init(yaml text: String) throws {
        if let value = CanonicalReader.value(text) {
            self = value
            return
        }
        try self.init(parsing: text)
    }

    /// Reads one YAML document with the general parser.
    init(parsing text: String) throws {
        guard let node = try Yams.compose(yaml: text) else {
            self = .null
            return
        }
        self.init(node)
    }

    /// A YAML node as a value, its scalars resolved as YAML 1.1 does.
    private init(_ node: Node) {
        switch node {
        case .scalar(let scalar):
            switch node.tag.description {
            case Tag.Name.null.rawValue: self = .null
            case Tag.Name.bool.rawValue: self = node.bool.map(ManifestValue.bool) ?? .string(scalar.string)
            case Tag.Name.int.rawValue: self = node.int.map(ManifestValue.int) ?? .string(scalar.string)
            case Tag.Name.float.rawValue: self = node.float.map(ManifestValue.float) ?? .string(scalar.string)
            default: self = .string(scalar.string)
            }
        case .sequence(let sequence):
            self = .list(sequence.map(ManifestValue.init))
        case .mapping(let mapping):
            self = .map(mapping.map { Entry($0.key.string ?? "\($0.key)", ManifestValue($0.value)) })
        case .alias:
            self = .null
        }
    }

    /// The value under `key` of a mapping.
    public subscript(key: String) -> ManifestValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// A mapping's entries; none for anything else.
    public var entries: [Entry] {
        if case .map(let entries) = self { return entries }
        return []
    }

    /// Leaves keyed by their path below this value (`a.b` for nested mappings, `a[0]` for
    /// list items); a scalar is the one leaf with an empty path.
    public var leaves: [(path: String, value: ManifestValue)] {
        switch self {
        case .map(let entries) where !entries.isEmpty:
            entries.flatMap { entry in entry.value.leaves.map { (Self.join(entry.key, $0.path), $0.value) } }
        case .list(let items) where !items.isEmpty && items.contains(where: \.isContainer):
            items.enumerated().flatMap { index, item in item.leaves.map { ("[\(index)]" + Self.dotted($0.path), $0.value) } }
        default:
            [("", self)]
        }
    }

    /// Whether the value is a mapping or a list.
    private var isContainer: Bool {
        switch self {
        case .map, .list: true
        default: false
        }
    }

    /// `key` joined with a path below it.
    private static func join(_ key: String, _ rest: String) -> String {
        rest.isEmpty ? key : key + dotted(rest)
    }

    /// A path as it follows a key: `.name` or `[0]`.
    private static func dotted(_ path: String) -> String {
        path.isEmpty || path.hasPrefix("[") ? path : "." + path
    }

    /// The number a scalar holds, if it holds one.
    var number: Double? {
        switch self {
        case .int(let value): Double(value)
        case .float(let value): value
        default: nil
        }
    }

    /// How the value reads in a table cell: scalars as written, lists inline.
    public var text: String {
        switch self {
        case .null: "—"
        case .bool(let value): String(value)
        case .int(let value): String(value)
        case .float(let value): CanonicalYAML.canonical(value)
        case .string(let value): value
        case .list(let items): "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .map(let entries): "{" + entries.map { "\($0.key): \($0.value.text)" }.joined(separator: ", ") + "}"
        }
    }

    /// JSON, two-space indented, keys in document order; non-finite numbers become null.
    /// With `indent` `nil`, on one line with no space at all (a DSSE payload, a JSON Lines
    /// record).
    public func json(indent: String? = "") -> String {
        let inner = indent.map { $0 + "  " }
        let (open, separator, colon) = indent == nil ? ("", ",", ":") : ("\n", ",\n", ": ")
        let close = indent.map { "\n" + $0 } ?? ""
        switch self {
        case .null: return "null"
        case .bool(let value): return String(value)
        case .int(let value): return String(value)
        case .float(let value): return value.isFinite ? String(value) : "null"
        case .string(let value): return YAMLScalar.doubleQuoted(value)
        case .list(let items):
            guard !items.isEmpty else { return "[]" }
            return "[" + open + items.map { (inner ?? "") + $0.json(indent: inner) }.joined(separator: separator) + close + "]"
        case .map(let entries):
            guard !entries.isEmpty else { return "{}" }
            return "{" + open
                + entries.map { (inner ?? "") + YAMLScalar.doubleQuoted($0.key) + colon + $0.value.json(indent: inner) }
                .joined(separator: separator) + close + "}"
        }
    }
}
