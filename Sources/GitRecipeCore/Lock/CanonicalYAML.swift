/// A YAML value written the one way git-recipe writes it: block mappings with keys sorted
/// by their UTF-8 bytes, canonical numbers, and strings plain only where YAML cannot read
/// them as anything else. The same value always gives the same bytes, on every machine.
indirect enum CanonicalYAML {
    case string(String)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case map([String: CanonicalYAML])
    /// A mapping whose keys keep the order given: a document's fixed top-level layout.
    case ordered([(key: String, value: CanonicalYAML)])
    case list([CanonicalYAML])

    /// A parameter value, written canonically.
    init(_ value: ParamValue) {
        switch value {
        case .int(let value): self = .int(value)
        case .float(let value): self = .float(value)
        case .bool(let value): self = .bool(value)
        case .string(let value): self = .string(value)
        case .list(let values): self = .list(values.map(CanonicalYAML.init))
        case .map(let values): self = .map(values.mapValues(CanonicalYAML.init))
        }
    }

    /// The document: a top-level mapping, one key per line.
    func rendered() -> String {
        var text = ""
        render(into: &text, indent: "")
        return text
    }

    /// Appends the value at `indent`.
    private func render(into text: inout String, indent: String) {
        switch self {
        case .map(let values) where !values.isEmpty:
            CanonicalYAML.ordered(values.byKeyBytes).render(into: &text, indent: indent)
        case .ordered(let pairs) where !pairs.isEmpty:
            for (key, value) in pairs {
                text += indent + YAMLScalar.text(key) + ":"
                if value.isBlock {
                    text += "\n"
                    value.render(into: &text, indent: indent + "  ")
                } else {
                    text += " " + value.inline + "\n"
                }
            }
        case .list(let values) where !values.isEmpty:
            for value in values {
                guard value.isBlock else {
                    text += indent + "- " + value.inline + "\n"
                    continue
                }
                // A block item starts on the dash's line: "- name: fit", then "  command: …".
                var item = ""
                value.render(into: &item, indent: indent + "  ")
                text += indent + "- " + item.dropFirst(indent.count + 2)
            }
        default:
            text += indent + inline + "\n"
        }
    }

    /// Whether the value needs lines of its own: a non-empty mapping or list.
    private var isBlock: Bool {
        switch self {
        case .map(let values): !values.isEmpty
        case .ordered(let pairs): !pairs.isEmpty
        case .list(let values): !values.isEmpty
        default: false
        }
    }

    /// The value on the line of its key.
    private var inline: String {
        switch self {
        case .string(let value): YAMLScalar.text(value)
        case .int(let value): String(value)
        case .float(let value): Self.canonical(value)
        case .bool(let value): String(value)
        case .map, .ordered: "{}"
        case .list: "[]"
        }
    }

    /// Shortest round-trip digits, always with a `.` so YAML 1.1 reads a float back.
    static func canonical(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
        var text = String(value)
        if !text.contains(".") {
            if let e = text.firstIndex(of: "e") { text.insert(contentsOf: ".0", at: e) } else { text += ".0" }
        }
        return text
    }
}
