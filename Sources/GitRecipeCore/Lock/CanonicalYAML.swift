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
                text += indent + Self.scalar(key) + ":"
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
        case .string(let value): Self.scalar(value)
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

    /// A string, plain when safe, otherwise double-quoted.
    static func scalar(_ value: String) -> String {
        // Only words of up to five letters can be one of YAML's booleans or null.
        let ambiguous = value.utf8.count <= 5 && ["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"].contains(value.lowercased())
        return isPlainSafe(value) && !ambiguous ? value : doubleQuoted(value)
    }

    /// A double-quoted string whose escapes YAML and JSON read alike.
    static func doubleQuoted(_ value: String) -> String {
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case "\r": quoted += "\\r"
            case _ where !isPrintable(scalar):
                quoted += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// Whether YAML takes `scalar` as itself inside a double-quoted string: not a control
    /// character, and none of the characters YAML 1.1 reads as a line break (NEL, U+2028,
    /// U+2029) or refuses (U+FEFF, U+FFFE, U+FFFF). Anything else is written as `\uXXXX`.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E, 0xA0...0x2027, 0x202A...0xFEFE, 0xFF00...0xFFFD, 0x10000...: true
        default: false
        }
    }

    /// Whether YAML reads `value` back as this very string when written without quotes:
    /// it starts with a letter, `_` or `/`, holds only characters with no YAML meaning, has
    /// single spaces between words, and no `:` that ends a word. Checked by hand, not with a
    /// regex: it runs for every key and value of every lock.
    static func isPlainSafe(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, first.isLetter || first == UInt8(ascii: "_") || first == UInt8(ascii: "/"),
            bytes.last != UInt8(ascii: " ")
        else { return false }
        for (index, byte) in bytes.enumerated() {
            let next = index + 1 < bytes.count ? bytes[index + 1] : nil
            switch byte {
            case _ where byte.isLetter || (48...57).contains(byte): continue
            case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "@"), UInt8(ascii: "+"),
                UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"):
                continue
            case UInt8(ascii: ":"): if next == nil || next == UInt8(ascii: " ") { return false }
            case UInt8(ascii: " "): if next == UInt8(ascii: " ") { return false }
            default: return false
            }
        }
        return true
    }
}

extension UInt8 {
    /// An ASCII letter.
    fileprivate var isLetter: Bool { (65...90).contains(self) || (97...122).contains(self) }
}
