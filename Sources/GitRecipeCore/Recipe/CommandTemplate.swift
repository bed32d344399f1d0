import Foundation

/// A step's `run` command with its `{{…}}` placeholders, parsed once.
///
/// Rendering substitutes each placeholder with its value shell-quoted, so a parameter can
/// never inject a command: `'; rm -rf /` arrives as one literal argument. Quoting protects
/// only a placeholder the shell reads as a bare word, so a placeholder anywhere else (inside
/// quotes, backquotes, `${…}`, a comment, a here-document, after a backslash) is refused
/// when the command is parsed: there, a value could end the quoting and become code.
public struct CommandTemplate: Equatable, Sendable {
    /// A run of literal text or one placeholder.
    enum Part: Equatable, Sendable {
        case literal(String)
        /// A placeholder's name and its offset (in Unicode scalars) from the start of the text.
        case placeholder(String, offset: Int)
    }

    /// The command as written in the recipe.
    public let text: String
    /// The command split at its placeholders.
    let parts: [Part]

    /// Parses `text`; `{{` always opens a placeholder, which must close with `}}` and hold a
    /// dotted name like `params.lr` (spaces around the name are allowed).
    public init(_ text: String) throws(TemplateError) {
        self.text = text
        var parts: [Part] = []
        var literal = ""
        var scalars = Array(text.unicodeScalars)[...]
        var offset = 0
        var shell = ShellScanner()
        while let first = scalars.first {
            guard first == "{", scalars.dropFirst().first == "{" else {
                literal.unicodeScalars.append(first)
                shell.read(first)
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
            if let place = shell.unsafePlace { throw .unquotable(name, place: place, offset: offset) }
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

    /// Where the `}}` closing a placeholder is; `nil` when there is none.
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
    var placeholders: [String] {
        parts.compactMap { if case .placeholder(let name, _) = $0 { name } else { nil } }
    }

    /// The command with every placeholder replaced by its shell-quoted value.
    func render(_ value: (String) -> String?) throws(TemplateError) -> String {
        var command = ""
        for part in parts {
            switch part {
            case .literal(let text):
                command += text
            case .placeholder(let name, let offset):
                guard let replacement = value(name) else { throw .unknown(name, offset: offset) }
                command += replacement.shellQuoted
            }
        }
        return command
    }

}

/// A malformed or unresolvable placeholder.
public enum TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    case unclosed(offset: Int)
    case invalidName(String, offset: Int)
    case unknown(String, offset: Int)
    /// A placeholder where shell quoting cannot keep its value a value; `place` says where.
    case unquotable(String, place: String, offset: Int)

    /// Where in the command the problem is, in characters.
    var offset: Int {
        switch self {
        case .unclosed(let offset), .invalidName(_, let offset), .unknown(_, let offset), .unquotable(_, _, let offset): offset
        }
    }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .unclosed: "'{{' is not closed by '}}'"
        case .invalidName(let name, _): "'{{\(name)}}' is not a valid placeholder; names look like params.lr or seed"
        case .unknown(let name, _): "unknown placeholder '{{\(name)}}'"
        case .unquotable(let name, let place, _):
            "placeholder '{{\(name)}}' is \(place), where the shell could read its value as code; "
                + "write it as a word of its own, outside any quotes (git-recipe quotes the value): echo msg={{\(name)}}"
        }
    }
}

/// Follows a POSIX shell command far enough to say whether the next character would start,
/// or continue, a bare word of plain shell code: the only place a shell-quoted value stays
/// one literal word.
struct ShellScanner {
    /// What the shell is reading at a point of the command.
    private enum Context: Equatable {
        /// Shell code: the command itself, or inside `$(…)` with its open parentheses.
        case code(parentheses: Int)
        case single, double, backquote, parameter, comment
    }

    /// The contexts open at this point, innermost last.
    private var stack: [Context] = [.code(parentheses: 0)]
    /// The innermost context; the outermost code is never popped.
    private var top: Context { stack.last ?? .code(parentheses: 0) }
    /// The previous character was an unquoted backslash.
    private var escaped = false
    /// A here-document operator (`<<`) was read: what follows is its body.
    private var hereDocument = false
    /// The previous character.
    private var previous: Unicode.Scalar?

    /// Where the next character stands, when that is not a bare word of code.
    var unsafePlace: String? {
        if hereDocument { return "after a here-document operator (<<)" }
        if escaped { return "right after a backslash" }
        if previous == "$" { return "right after '$'" }
        switch top {
        case .code: return nil
        case .single: return "inside single quotes"
        case .double: return "inside double quotes"
        case .backquote: return "inside backquotes"
        case .parameter: return "inside ${…}"
        case .comment: return "inside a comment"
        }
    }

    /// Moves past `character`, tracking the quoting it opens or closes.
    mutating func read(_ character: Unicode.Scalar) {
        defer { previous = character }
        if escaped {
            escaped = false
            return
        }
        switch top {
        case .code(let open):
            switch character {
            case "\\": escaped = true
            case "'": stack.append(.single)
            case "\"": stack.append(.double)
            case "`": stack.append(.backquote)
            case "(" where previous == "$": stack.append(.code(parentheses: 1))
            case "{" where previous == "$": stack.append(.parameter)
            case "(" where open > 0: stack[stack.count - 1] = .code(parentheses: open + 1)
            case ")" where open == 1: stack.removeLast()
            case ")" where open > 1: stack[stack.count - 1] = .code(parentheses: open - 1)
            case "<" where previous == "<": hereDocument = true
            case "#" where previous.map(Self.endsWord) ?? true: stack.append(.comment)
            default: break
            }
        case .single:
            if character == "'" { stack.removeLast() }
        case .double:
            switch character {
            case "\\": escaped = true
            case "\"": stack.removeLast()
            case "`": stack.append(.backquote)
            case "(" where previous == "$": stack.append(.code(parentheses: 1))
            case "{" where previous == "$": stack.append(.parameter)
            default: break
            }
        case .backquote:
            if character == "\\" { escaped = true } else if character == "`" { stack.removeLast() }
        case .parameter:
            if character == "}" { stack.removeLast() }
        case .comment:
            if character == "\n" { stack.removeLast() }
        }
    }

    /// Characters after which `#` starts a comment.
    private static func endsWord(_ character: Unicode.Scalar) -> Bool {
        character.properties.isWhitespace || ";&|()<>".unicodeScalars.contains(character)
    }
}
