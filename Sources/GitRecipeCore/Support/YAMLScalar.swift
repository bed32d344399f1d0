/// How git-recipe writes a string in YAML: plain where YAML reads it back as that very
/// string, else double-quoted with escapes YAML and JSON read alike. Locks, manifests and
/// imported recipes all write strings this one way.
enum YAMLScalar {
    /// A string, plain when safe, otherwise double-quoted.
    static func text(_ value: String) -> String {
        staysPlain(value) ? value : doubleQuoted(value)
    }

    /// Whether ``text(_:)`` writes `value` as it is: plain-safe, and not a word YAML 1.1 reads
    /// as a boolean or null. The reader of canonical documents asks it of every key and value.
    static func staysPlain(_ value: String) -> Bool {
        // Only words of up to five letters can be one of YAML's booleans or null.
        isPlainSafe(value) && !(value.utf8.count <= 5 && reserved.contains(value.lowercased()))
    }

    /// The words YAML 1.1 reads as a boolean or null, lowercased.
    private static let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"]

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
        var bytes = value.utf8.makeIterator()
        guard let first = bytes.next(), first.isLetter || first == UInt8(ascii: "_") || first == UInt8(ascii: "/") else { return false }
        var previous = first
        while let byte = bytes.next() {
            switch byte {
            case _ where byte.isLetter || (48...57).contains(byte): break
            case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "@"), UInt8(ascii: "+"),
                UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ":"):
                break
            // A space after `:` would end a key; two in a row would not read back.
            case UInt8(ascii: " "): if previous == UInt8(ascii: ":") || previous == UInt8(ascii: " ") { return false }
            default: return false
            }
            previous = byte
        }
        // A `:` that ends the string would make it a key; a trailing space would be dropped.
        return previous != UInt8(ascii: ":") && previous != UInt8(ascii: " ")
    }
}

extension UInt8 {
    /// An ASCII letter.
    fileprivate var isLetter: Bool { (65...90).contains(self) || (97...122).contains(self) }
}
