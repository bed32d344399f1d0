/// How git-recipe writes a string in YAML: plain where YAML reads it back as that very
/// string, else double-quoted with escapes YAML and JSON read alike. Locks, manifests and
/// imported recipes all write strings this one way.
enum YAMLScalar {
    /// A string, plain when safe, otherwise double-quoted.
    static func text(_ value: String) -> String {
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
