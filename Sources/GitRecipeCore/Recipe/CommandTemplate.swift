import Foundation

/// A step's `run` command with its `{{…}}` placeholders, parsed once.
///
/// Rendering substitutes each placeholder with its value shell-quoted, so a parameter can
/// never inject a command: `'; rm -rf /` arrives as one literal argument.
public struct CommandTemplate: Equatable, Sendable {
    public enum Part: Equatable, Sendable {
        case literal(String)
        /// A placeholder's name and its offset (in Unicode scalars) from the start of the text.
        case placeholder(String, offset: Int)
    }

    public let text: String
    public let parts: [Part]

    /// Parses `text`; `{{` always opens a placeholder, which must close with `}}` and hold a
    /// dotted name like `params.lr` (spaces around the name are allowed).
    public init(_ text: String) throws(TemplateError) {
        self.text = text
        var parts: [Part] = []
        var literal = ""
        var scalars = Array(text.unicodeScalars)[...]
        var offset = 0
        while let first = scalars.first {
            guard first == "{", scalars.dropFirst().first == "{" else {
                literal.unicodeScalars.append(first)
                scalars = scalars.dropFirst()
                offset += 1
                continue
            }
            let body = scalars.dropFirst(2)
            guard let close = Self.closing(in: body) else { throw .unclosed(offset: offset) }
            let name = String(String.UnicodeScalarView(body[..<close])).trimmingCharacters(in: .whitespaces)
            guard name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ String($0).isIdentifier }) else {
                throw .invalidName(name, offset: offset)
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = ""
            parts.append(.placeholder(name, offset: offset))
            let consumed = body.distance(from: body.startIndex, to: close) + 4
            offset += consumed
            scalars = body[close...].dropFirst(2)
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    private static func closing(in body: ArraySlice<Unicode.Scalar>) -> Int? {
        var index = body.startIndex
        while index + 1 < body.endIndex {
            if body[index] == "}" && body[index + 1] == "}" { return index }
            if body[index] == "{" && body[index + 1] == "{" { return nil }
            index += 1
        }
        return nil
    }

    /// The placeholders' names, in order of appearance.
    public var placeholders: [String] {
        parts.compactMap { if case .placeholder(let name, _) = $0 { name } else { nil } }
    }

    /// The command with every placeholder replaced by its shell-quoted value.
    public func render(_ value: (String) -> String?) throws(TemplateError) -> String {
        var command = ""
        for part in parts {
            switch part {
            case .literal(let text):
                command += text
            case .placeholder(let name, let offset):
                guard let replacement = value(name) else { throw .unknown(name, offset: offset) }
                command += Self.shellQuote(replacement)
            }
        }
        return command
    }

    /// Quotes `value` as one word for POSIX `sh`. Words made only of characters the shell
    /// never interprets stay bare, so printed plans read naturally.
    public static func shellQuote(_ value: String) -> String {
        let safe = value.unicodeScalars.allSatisfy { $0.isASCII && (safeCharacters.contains($0) || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
        if safe && !value.isEmpty { return value }
        return "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static let safeCharacters: Set<Unicode.Scalar> = ["_", "-", ".", "/", ":", "=", "+", ",", "@", "%"]
}

/// A malformed or unresolvable placeholder.
public enum TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    case unclosed(offset: Int)
    case invalidName(String, offset: Int)
    case unknown(String, offset: Int)

    public var offset: Int {
        switch self {
        case .unclosed(let offset), .invalidName(_, let offset), .unknown(_, let offset): offset
        }
    }

    public var description: String {
        switch self {
        case .unclosed: "'{{' is not closed by '}}'"
        case .invalidName(let name, _): "'{{\(name)}}' is not a valid placeholder; names look like params.lr or seed"
        case .unknown(let name, _): "unknown placeholder '{{\(name)}}'"
        }
    }
}
