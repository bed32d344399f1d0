/// Reads back the one layout ``CanonicalYAML`` writes — block mappings and lists indented by
/// two spaces, `{}` and `[]` for empty ones, canonical numbers, `true`/`false`, strings plain
/// where safe or double-quoted — about twenty times faster than a general YAML parser, which
/// is what lets `dashboard` and `show` read ten thousand manifests in well under a second.
///
/// Anything outside that layout (a comment, a flow collection, a single-quoted or block
/// scalar, an anchor, a tab, a duplicate key, a plain scalar YAML could read as something
/// else) gives `nil`, and the caller reads the document with the general parser: a manifest
/// edited by hand still reads, exactly as before, and both readers agree on every document
/// this one accepts (checked against Yams on generated documents in the tests).
enum CanonicalReader {
    /// The document's value; `nil` when it is not in the canonical layout.
    static func value(_ text: String) -> ManifestValue? {
        var lines: [Line] = []
        let bytes = Array(text.utf8)
        var start = 0
        var opened = false
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: newline) ?? bytes.count
            var indent = start
            while indent < end, bytes[indent] == space { indent += 1 }
            let content = bytes[indent..<end]
            if !content.isEmpty {
                // A document marker may open the document; anywhere else it is not ours.
                let marker = content.elementsEqual("---".utf8) || content.elementsEqual("...".utf8)
                guard !marker || (lines.isEmpty && !opened && indent == start && content.first == minus) else { return nil }
                opened = opened || marker
                if !marker { lines.append(Line(indent: indent - start, content: content)) }
            }
            start = end + 1
        }
        guard !lines.isEmpty, lines[0].indent == 0 else { return nil }
        var reader = CanonicalReader.Cursor(lines: lines)
        guard let value = reader.block(indent: 0), reader.position == lines.count else { return nil }
        return value
    }

    /// One non-empty line: its indentation and what follows it.
    private struct Line {
        let indent: Int
        let content: ArraySlice<UInt8>
    }

    /// A position in the lines, read block by block.
    private struct Cursor {
        let lines: [Line]
        var position = 0
        /// For a list item `- key: value`: the rest of the dash's line, read as the first
        /// line of a mapping indented two further.
        var pending: Line?

        /// The line to read next.
        private var current: Line? { pending ?? (position < lines.count ? lines[position] : nil) }

        /// Moves past the current line.
        private mutating func advance() {
            if pending != nil { pending = nil } else { position += 1 }
        }

        /// The mapping or list starting at the current line, at `indent`.
        mutating func block(indent: Int) -> ManifestValue? {
            guard let line = current, line.indent == indent else { return nil }
            return line.content.starts(with: dash) ? list(indent: indent) : mapping(indent: indent)
        }

        /// `key: value` and `key:` lines at `indent`, each `key:` followed by its block.
        private mutating func mapping(indent: Int) -> ManifestValue? {
            var entries: [ManifestValue.Entry] = []
            // A repeated key is looked for among the entries while they are few (a step, the
            // params), in a set once there are many (an output's files).
            var keys: Set<String>?
            while let line = current, line.indent == indent, !line.content.starts(with: dash) {
                guard let (key, rest) = CanonicalReader.key(line.content) else { return nil }
                if keys == nil, entries.count == 16 { keys = Set(entries.map(\.key)) }
                guard keys?.insert(key).inserted ?? !entries.contains(where: { $0.key == key }) else { return nil }
                advance()
                if rest.isEmpty {
                    guard let value = block(indent: indent + 2) else { return nil }
                    entries.append(.init(key, value))
                } else {
                    guard let value = CanonicalReader.inline(rest) else { return nil }
                    entries.append(.init(key, value))
                }
            }
            guard current.map({ $0.indent < indent }) ?? true else { return nil }
            return .map(entries)
        }

        /// `- item` lines at `indent`; an item `- key: value` is a mapping whose other keys
        /// follow two further in.
        private mutating func list(indent: Int) -> ManifestValue? {
            var items: [ManifestValue] = []
            while let line = current, line.indent == indent, line.content.starts(with: dash) {
                let rest = line.content.dropFirst(2)
                guard let first = rest.first, first != space, !rest.starts(with: dash) else { return nil }
                if CanonicalReader.key(rest) != nil {
                    advance()
                    pending = Line(indent: indent + 2, content: rest)
                    guard let item = mapping(indent: indent + 2) else { return nil }
                    items.append(item)
                } else {
                    guard let item = CanonicalReader.inline(rest) else { return nil }
                    advance()
                    items.append(item)
                }
            }
            guard current.map({ $0.indent < indent }) ?? true else { return nil }
            return .list(items)
        }
    }

    /// `key: rest` or `key:` (rest empty), the key plain-safe or double-quoted; `nil` otherwise.
    private static func key(_ content: ArraySlice<UInt8>) -> (String, ArraySlice<UInt8>)? {
        let keyEnd: ArraySlice<UInt8>.Index
        let key: String
        if content.first == quote {
            guard let close = closingQuote(content) else { return nil }
            guard let text = quoted(content[...close]) else { return nil }
            keyEnd = close + 1
            key = text
        } else {
            var index = content.startIndex
            while index < content.endIndex {
                if content[index] == colon, index + 1 == content.endIndex || content[index + 1] == space { break }
                index += 1
            }
            guard index < content.endIndex else { return nil }
            key = String(decoding: content[..<index], as: UTF8.self)
            guard YAMLScalar.staysPlain(key) else { return nil }
            keyEnd = index
        }
        guard keyEnd < content.endIndex, content[keyEnd] == colon else { return nil }
        let rest = content[(keyEnd + 1)...]
        guard rest.isEmpty || (rest.count > 1 && rest.first == space && rest[rest.startIndex + 1] != space) else { return nil }
        return (key, rest.dropFirst())
    }

    /// A value on its key's line: the scalars ``CanonicalYAML`` writes, `{}` or `[]`.
    private static func inline(_ value: ArraySlice<UInt8>) -> ManifestValue? {
        guard let first = value.first else { return nil }
        if first == quote {
            guard closingQuote(value) == value.endIndex - 1 else { return nil }
            return quoted(value).map(ManifestValue.string)
        }
        let text = String(decoding: value, as: UTF8.self)
        switch text {
        case "{}": return .map([])
        case "[]": return .list([])
        case "true": return .bool(true)
        case "false": return .bool(false)
        case ".nan": return .float(.nan)
        case ".inf": return .float(.infinity)
        case "-.inf": return .float(-.infinity)
        default: break
        }
        if first == minus || isDigit(first) { return number(value, text) }
        return YAMLScalar.staysPlain(text) ? .string(text) : nil
    }

    /// `-?(0|[1-9][0-9]*)` as an int, `-?[0-9]+\.[0-9]+(e[-+][0-9]+)?` as a float; `nil` for
    /// any other number YAML 1.1 knows (octal, hex, `1_000`, `+1`), which canonical YAML never writes.
    private static func number(_ bytes: ArraySlice<UInt8>, _ text: String) -> ManifestValue? {
        var index = bytes.startIndex
        if bytes[index] == minus { index += 1 }
        let integerStart = index
        while index < bytes.endIndex, isDigit(bytes[index]) { index += 1 }
        let integerDigits = index - integerStart
        guard integerDigits > 0 else { return nil }
        if index == bytes.endIndex {
            guard integerDigits == 1 || bytes[integerStart] != zero else { return nil }
            return Int(text).map(ManifestValue.int)
        }
        guard bytes[index] == dot else { return nil }
        index += 1
        let fractionStart = index
        while index < bytes.endIndex, isDigit(bytes[index]) { index += 1 }
        guard index > fractionStart else { return nil }
        if index < bytes.endIndex {
            guard bytes[index] == UInt8(ascii: "e"), index + 2 < bytes.endIndex,
                bytes[index + 1] == minus || bytes[index + 1] == UInt8(ascii: "+")
            else { return nil }
            index += 2
            guard bytes[index...].allSatisfy(isDigit) else { return nil }
        }
        return Double(text).map(ManifestValue.float)
    }

    /// The index of the quote closing the double-quoted scalar that `bytes` starts with.
    private static func closingQuote(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8>.Index? {
        var index = bytes.startIndex + 1
        while index < bytes.endIndex {
            switch bytes[index] {
            case backslash: index += 2
            case quote: return index
            default: index += 1
            }
        }
        return nil
    }

    /// A whole double-quoted scalar's text, unescaped; `nil` for an escape canonical YAML
    /// does not write.
    static func quoted(_ value: ArraySlice<UInt8>) -> String? {
        guard value.count >= 2, value.first == quote, value.last == quote else { return nil }
        let inner = value.dropFirst().dropLast()
        guard !inner.contains(where: { $0 < space || $0 == 0x7F }) else { return nil }
        let text = String(decoding: inner, as: UTF8.self)
        guard !inner.contains(where: { $0 >= 0x80 }) || text.unicodeScalars.allSatisfy(YAMLScalar.isPrintable) else { return nil }
        guard inner.contains(backslash) else { return text }
        var result = ""
        var characters = text.unicodeScalars.makeIterator()
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
                // Yams drops a byte-order mark wherever it decodes one; left to it, so both agree.
                guard hex.count == 4, let code = UInt32(hex, radix: 16), code != 0xFEFF, let decoded = Unicode.Scalar(code) else { return nil }
                result.unicodeScalars.append(decoded)
            default: return nil
            }
        }
        return result
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }

    /// Bytes the reader looks for.
    private static let newline = UInt8(ascii: "\n"), space = UInt8(ascii: " "), quote = UInt8(ascii: "\""),
        backslash = UInt8(ascii: "\\"), colon = UInt8(ascii: ":"), minus = UInt8(ascii: "-"), dot = UInt8(ascii: "."),
        zero = UInt8(ascii: "0")
    /// A list item's start.
    private static let dash = Array("- ".utf8)
}
