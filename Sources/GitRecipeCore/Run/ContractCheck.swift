import Foundation

/// Judges a data file against its contract: the first violation, naming the
/// place (row and column, JSON pointer, array axis, glob) and the rule, or `nil`.
enum ContractCheck {
    /// The first way the file or directory at `path` (named `name` in messages) breaks
    /// `contract`; a table is read `chunkSize` bytes at a time.
    static func violation(of contract: DataContract, at path: String, name: String, chunkSize: Int = 4 << 20) -> String? {
        do {
            switch contract {
            case .table(let separator, let columns):
                return try table(path, separator: separator, columns: columns, chunkSize: chunkSize).map { "\(name): \($0)" }
            case .document(_, let schema):
                let text = try String(contentsOfFile: path, encoding: .utf8)
                return document(try ManifestValue(yaml: text), schema, pointer: "").map { "\(name): \($0)" }
            case .array(let dtype, let shape): return try array(path, dtype: dtype, shape: shape).map { "\(name): \($0)" }
            case .directory(let globs): return directory(path, globs: globs).map { "\(name): \($0)" }
            }
        } catch {
            return "\(name): cannot be read as its contract's format: \(error)"
        }
    }

    // MARK: csv, tsv

    /// A table whose header holds every column and whose every value has its column's type.
    /// Read in chunks of `chunkSize` bytes, so memory stays bounded whatever the file's size
    /// (by a chunk and the longest row); fields quoted as RFC 4180 says.
    private static func table(_ path: String, separator: UInt8, columns: [DataContract.Column], chunkSize: Int) throws -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "cannot be opened" }
        defer { try? handle.close() }
        var scanner = TableScanner(separator: separator, columns: columns)
        var pending: [UInt8] = []
        while true {
            let chunk = try handle.read(upToCount: chunkSize) ?? Data()
            let final = chunk.isEmpty
            pending.append(contentsOf: chunk)
            let (consumed, violation) = pending.withUnsafeBufferPointer { scanner.scan($0, final: final) }
            if let violation { return violation }
            if final { return nil }
            pending.removeFirst(consumed)
        }
    }

    /// Judges a table row by row over the chunks it is read in: the header first, then each
    /// row's fields against their columns' kinds.
    private struct TableScanner {
        let separator: UInt8
        let columns: [DataContract.Column]
        /// The header's names.
        var header: [String] = []
        /// Rows judged so far, the header included.
        var row = 0
        /// The line the next row starts on.
        var line = 1
        /// Column index → name and type; from the header.
        var wanted: [Int: (name: String, type: String)] = [:]
        /// The same as kinds by field index: looked up for every field of every row.
        var kinds: [ValueKind?] = []

        init(separator: UInt8, columns: [DataContract.Column]) {
            self.separator = separator
            self.columns = columns
        }

        /// Judges the complete rows of `bytes`; returns how many bytes they took (the rest
        /// begins a row the next chunk completes) or the first violation. With `final`, the
        /// bytes are the end of the file and the last row is complete without a newline.
        mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, final: Bool) -> (consumed: Int, violation: String?) {
            let newline = UInt8(ascii: "\n")
            let quote = UInt8(ascii: "\"")
            let carriage = UInt8(ascii: "\r")
            var position = 0
            rows: while position < bytes.count {
                let rowStart = position
                let lineOfRow = line
                // A blank line (the last one, usually) is no row.
                if bytes[position] == newline {
                    position += 1
                    line += 1
                    continue
                }
                if bytes[position] == carriage {
                    guard position + 1 < bytes.count else {
                        if final { break rows }
                        return (rowStart, nil)
                    }
                    if bytes[position + 1] == newline {
                        position += 2
                        line += 1
                        continue
                    }
                }
                var field = 0
                var linesInRow = 0
                // The header's names, kept only once its row is whole: a row a chunk cuts is read again.
                var names: [String] = []
                while true {
                    // One field's bytes, [start, end); a quoted one without its quotes.
                    var start = position
                    var end = position
                    var quoted = false
                    if position < bytes.count, bytes[position] == quote {
                        quoted = true
                        position += 1
                        start = position
                        while position < bytes.count {
                            if bytes[position] == quote {
                                guard position + 1 < bytes.count, bytes[position + 1] == quote else { break }
                                position += 1
                            } else if bytes[position] == newline {
                                linesInRow += 1
                            }
                            position += 1
                        }
                        end = position
                        position += 1
                    }
                    while position < bytes.count, bytes[position] != separator, bytes[position] != newline { position += 1 }
                    // A field that runs to the end of the chunk may go on in the next one.
                    guard position < bytes.count || final else {
                        return (rowStart, nil)
                    }
                    if !quoted { end = position }
                    if end > start, bytes[end - 1] == carriage { end -= 1 }
                    let value = UnsafeBufferPointer(rebasing: bytes[start..<max(start, min(end, bytes.count))])
                    if row == 0 {
                        names.append(String(decoding: value, as: UTF8.self))
                    } else if field < kinds.count, let kind = kinds[field], !kind.accepts(value), let column = wanted[field] {
                        let text = String(decoding: value.prefix(40), as: UTF8.self)
                        let type = column.type == "int" ? "an int" : "a \(column.type)"
                        return (position, "row \(row) (line \(lineOfRow)), column '\(column.name)': '\(text)' is not \(type)")
                    }
                    field += 1
                    if position >= bytes.count || bytes[position] == newline {
                        position += 1
                        break
                    }
                    position += 1
                    if position >= bytes.count {
                        guard final else { return (rowStart, nil) }
                        break
                    }
                }
                line += 1 + linesInRow
                if row == 0 { header = names }
                if let violation = endRow(fields: field, line: lineOfRow) { return (position, violation) }
            }
            return (min(position, bytes.count), nil)
        }

        /// After a row: the header's columns found, or a data row long enough.
        private mutating func endRow(fields: Int, line: Int) -> String? {
            defer { row += 1 }
            if row == 0 {
                for column in columns {
                    guard let index = header.firstIndex(of: column.name) else {
                        return "the header has no column '\(column.name)' (it has: \(header.joined(separator: ", ")))"
                    }
                    wanted[index] = (column.name, column.type)
                }
                kinds = (0..<((wanted.keys.max() ?? -1) + 1)).map { wanted[$0].flatMap { ValueKind(rawValue: $0.type) } }
                return nil
            }
            guard fields < kinds.count else { return nil }
            let missing = wanted.filter { $0.key >= fields }.min { $0.key < $1.key }!.value.name
            return "row \(row) (line \(line)) has \(fields) field\(fields == 1 ? "" : "s"), so no column '\(missing)'"
        }
    }

    /// A column type whose values are checked (a `string` column takes anything).
    private enum ValueKind: String {
        case int, float, bool

        /// Whether `field` is a value of this kind: `int` digits with an optional sign;
        /// `float` a decimal number with an optional exponent, or `nan`/`inf` as strtod reads
        /// them; `bool` `true`/`false` in any case, or `0`/`1`. Byte by byte, no allocation.
        func accepts(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
            switch self {
            case .int:
                var index = field.startIndex
                if index < field.endIndex, field[index] == UInt8(ascii: "-") || field[index] == UInt8(ascii: "+") { index += 1 }
                guard index < field.endIndex else { return false }
                while index < field.endIndex {
                    guard field[index] &- 48 < 10 else { return false }
                    index += 1
                }
                return true
            case .float:
                return Self.isDecimal(field) || Self.isSpecial(field)
            case .bool:
                return Self.equalsIgnoringCase(field, "true") || Self.equalsIgnoringCase(field, "false")
                    || (field.count == 1 && (field[0] == UInt8(ascii: "0") || field[0] == UInt8(ascii: "1")))
            }
        }

        /// `[+-] (digits [. digits] | . digits) [(e|E) [+-] digits]`.
        private static func isDecimal(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
            var index = 0
            let count = field.count
            if index < count, field[index] == UInt8(ascii: "-") || field[index] == UInt8(ascii: "+") { index += 1 }
            var digits = 0
            while index < count, field[index] &- 48 < 10 {
                index += 1
                digits += 1
            }
            if index < count, field[index] == UInt8(ascii: ".") {
                index += 1
                while index < count, field[index] &- 48 < 10 {
                    index += 1
                    digits += 1
                }
            }
            guard digits > 0 else { return false }
            if index < count, field[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < count, field[index] == UInt8(ascii: "-") || field[index] == UInt8(ascii: "+") { index += 1 }
                var exponent = 0
                while index < count, field[index] &- 48 < 10 {
                    index += 1
                    exponent += 1
                }
                guard exponent > 0 else { return false }
            }
            return index == count
        }

        /// `nan`, `inf` or `infinity`, in any case, with an optional sign.
        private static func isSpecial(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
            var rest = UnsafeBufferPointer(rebasing: field[...])
            if let first = rest.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
                rest = UnsafeBufferPointer(rebasing: rest.dropFirst())
            }
            return equalsIgnoringCase(rest, "nan") || equalsIgnoringCase(rest, "inf") || equalsIgnoringCase(rest, "infinity")
        }

        /// Whether `field` spells the lower-case ASCII `word`, in any case.
        private static func equalsIgnoringCase(_ field: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
            guard field.count == word.utf8CodeUnitCount else { return false }
            let letters = word.utf8Start
            for index in 0..<field.count where field[index] | 0x20 != letters[index] { return false }
            return true
        }
    }

    // MARK: json, yaml

    /// The first rule of `schema` that `value` (at JSON pointer `pointer`) breaks.
    private static func document(_ value: ManifestValue, _ schema: DataContract.Schema, pointer: String) -> String? {
        let place = pointer.isEmpty ? "/" : pointer
        if let type = schema.type, !Self.value(value, is: type) { return "\(place): is \(kind(of: value)), not \(type)" }
        if let choices = schema.choices, !choices.contains(value.text) {
            return "\(place): '\(value.text)' is none of \(choices.joined(separator: ", "))"
        }
        if let number = value.number {
            if let minimum = schema.minimum, number < minimum {
                return "\(place): \(value.text) is below the minimum \(CanonicalYAML.canonical(minimum))"
            }
            if let maximum = schema.maximum, number > maximum {
                return "\(place): \(value.text) is above the maximum \(CanonicalYAML.canonical(maximum))"
            }
        }
        if case .map(let entries) = value {
            for name in schema.required where !entries.contains(where: { $0.key == name }) { return "\(place): lacks required '\(name)'" }
            for (name, rule) in schema.properties {
                guard let member = value[name] else { continue }
                if let problem = document(member, rule, pointer: "\(pointer)/\(escaped(name))") { return problem }
            }
        }
        if case .list(let items) = value, let rule = schema.items {
            for (index, item) in items.enumerated() {
                if let problem = document(item, rule, pointer: "\(pointer)/\(index)") { return problem }
            }
        }
        return nil
    }

    /// Whether `value` is of JSON Schema type `type`.
    private static func value(_ value: ManifestValue, is type: String) -> Bool {
        switch (type, value) {
        case ("object", .map), ("array", .list), ("string", .string), ("boolean", .bool), ("null", .null), ("number", .int), ("number", .float),
            ("integer", .int):
            true
        case ("integer", .float(let number)): number.rounded() == number
        default: false
        }
    }

    /// A value's JSON type, for messages.
    private static func kind(of value: ManifestValue) -> String {
        switch value {
        case .map: "an object"
        case .list: "an array"
        case .string: "a string"
        case .bool: "a boolean"
        case .null: "null"
        case .int: "an integer"
        case .float: "a number"
        }
    }

    /// A member name as a JSON pointer token.
    private static func escaped(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    // MARK: npy

    /// A NumPy `.npy` file's dtype and shape, from its header.
    private static func array(_ path: String, dtype: String?, shape: [Int?]?) throws -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "cannot be opened" }
        defer { try? handle.close() }
        let start = try handle.read(upToCount: 12) ?? Data()
        guard start.count >= 10, start.prefix(6) == Data([0x93]) + Data("NUMPY".utf8) else { return "is not a NumPy .npy file (no \\x93NUMPY magic)" }
        let major = start[6]
        let length =
            major == 1 ? Int(start[8]) | Int(start[9]) << 8 : Int(start[8]) | Int(start[9]) << 8 | Int(start[10]) << 16 | Int(start[11]) << 24
        try handle.seek(toOffset: major == 1 ? 10 : 12)
        let header = String(decoding: try handle.read(upToCount: length) ?? Data(), as: UTF8.self)
        let descr = header.firstMatch(of: /'descr':\s*'([^']+)'/).map { String($0.output.1) } ?? "?"
        let dimensions = (header.firstMatch(of: /'shape':\s*\(([^)]*)\)/).map { String($0.output.1) } ?? "")
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if let dtype, !matches(descr: descr, dtype: dtype) { return "dtype is \(descr), not \(dtype)" }
        if let shape {
            guard shape.count == dimensions.count else {
                return "has \(dimensions.count) axes (shape (\(dimensions.map(String.init).joined(separator: ", ")))), not \(shape.count)"
            }
            for (axis, (want, have)) in zip(shape, dimensions).enumerated() {
                if let want, want != have { return "axis \(axis) has length \(have), not \(want)" }
            }
        }
        return nil
    }

    /// Whether NumPy's `descr` (`<f4`) is the dtype a contract names (`float32`, `f4`, `<f4`).
    private static func matches(descr: String, dtype: String) -> Bool {
        let names = [
            "float16": "f2", "float32": "f4", "float64": "f8", "int8": "i1", "int16": "i2", "int32": "i4", "int64": "i8", "uint8": "u1",
            "uint16": "u2", "uint32": "u4", "uint64": "u8", "bool": "b1", "complex64": "c8", "complex128": "c16",
        ]
        let code = names[dtype] ?? dtype
        let plain = descr.drop { "<>|=".contains($0) }
        return descr == dtype || plain == code.drop { "<>|=".contains($0) }
    }

    // MARK: dir

    /// A directory holding, for each glob, a file whose path below it matches.
    private static func directory(_ path: String, globs: [String]) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return "is not a directory" }
        let files = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String]) ?? []
        for glob in globs where !files.contains(where: { fnmatch(glob, $0, 0) == 0 }) {
            return "holds no file matching '\(glob)'"
        }
        return nil
    }
}
