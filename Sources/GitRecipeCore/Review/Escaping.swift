/// Text from a note is data from whoever wrote or pushed it: before it is printed it is
/// escaped for where it goes, so a metric named `![t](http://host/t.png)` stays text in a
/// pull-request comment and an escape sequence never reaches a terminal.
enum Escaping {
    /// For a terminal (and plain text): control characters other than newline and tab
    /// shown as `\u{1B}`, so nothing a note holds can move the cursor, retitle the window or
    /// hide a line.
    static func terminal(_ text: String) -> String {
        // Most text is printable ASCII, which one pass over its bytes tells.
        let printable = text.utf8.allSatisfy { (0x20..<0x7F).contains($0) || $0 == 0x0A || $0 == 0x09 }
        guard !printable, text.unicodeScalars.contains(where: isControl) else { return text }
        var safe = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                safe.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                safe.append(scalar)
            }
        }
        return String(safe)
    }

    /// A control character, which a terminal may act on.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }

    /// For Markdown text inside a line (a table cell, a heading after its `#`s): every
    /// character that could start inline syntax there — emphasis, code, links and images,
    /// strikethrough, a cell boundary — backslash-escaped, `<`, `>` and `&` as entities (no
    /// HTML), line breaks as spaces, control characters as for a terminal.
    static func markdown(_ text: String) -> String {
        var escaped = ""
        for character in terminal(text) {
            switch character {
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            case "\n", "\r", "\r\n": escaped += " "
            case "\\", "`", "*", "_", "[", "]", "|", "~", "!":
                escaped += "\\" + String(character)
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A Markdown code span holding `text` verbatim: fenced with one more backtick than the
    /// longest run inside it; `|` escaped as tables need; line breaks as spaces.
    static func code(_ text: String) -> String {
        let flat = terminal(text).replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "|", with: "\\|")
        var longest = 0
        var run = 0
        for character in flat {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let padding = flat.hasPrefix("`") || flat.hasSuffix("`") ? " " : ""
        return fence + padding + flat + padding + fence
    }
}
