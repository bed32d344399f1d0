import Yams

/// Where something stands in a file: its line and column, from 1, as diagnostics print them.
public struct SourcePosition: Equatable, Sendable {
    /// The line, from 1.
    public let line: Int
    /// The column, from 1.
    let column: Int

    /// Where the YAML parser found a node.
    init(_ mark: Mark) {
        line = mark.line
        column = mark.column
    }
}

/// A value read from YAML, with where it stands in its file.
public struct Located<Value: Sendable>: Sendable {
    /// The value read.
    let value: Value
    /// `nil` for a value that was not read from a file.
    public let mark: SourcePosition?

    /// A value read at `mark`; `nil` for one not read from a file.
    public init(_ value: Value, at mark: SourcePosition?) {
        self.value = value
        self.mark = mark
    }
}

extension Located: Equatable where Value: Equatable {
    /// Equal values; where they stand does not matter.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.value == rhs.value }
}

/// The keys of one YAML mapping, already checked against the keys its schema allows.
struct Fields {
    /// The mapping node, for diagnostics about it as a whole.
    let node: Node
    /// The mapping's values, by key.
    private let values: [String: Node]

    /// The fields of `node`, keyed by name.
    init(node: Node, values: [String: Node]) {
        self.node = node
        self.values = values
    }

    /// The node under `key`, if the mapping has it.
    subscript(key: String) -> Node? { values[key] }
}

/// Reads one YAML file into typed values and records a ``Diagnostic`` for every problem
/// instead of stopping at the first, so a user sees all their mistakes at once.
final class YAMLReader {
    /// The file read, relative to the repository, as diagnostics name it.
    let file: String
    /// Every problem found so far, in the order found.
    private(set) var diagnostics: [Diagnostic] = []

    /// A reader for `file`.
    init(file: String) {
        self.file = file
    }

    /// Parses `text` into a node tree; a syntax error becomes a diagnostic at its position.
    func parse(_ text: String) -> Node? {
        guard text.utf8.count <= Self.maximumBytes else {
            error(
                "the file is \(text.utf8.count / (1 << 20)) MiB; project files are read whole, and at most \(Self.maximumBytes >> 20) MiB is accepted",
                at: nil as SourcePosition?)
            return nil
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                error("the file is empty", at: nil as SourcePosition?)
                return nil
            }
            // Aliases share their anchor's node, so a "billion laughs" document is small
            // once composed, and would grow without bound as it is read: measure first.
            var sizes: [Position: Int] = [:]
            guard Self.expandedSize(of: node, memo: &sizes) - sizes.count <= Self.maximumAliasExpansion else {
                error(
                    "the document's aliases expand it by over \(Self.maximumAliasExpansion) values; write the values out, "
                        + "or use fewer levels of aliases", at: nil as SourcePosition?)
                return nil
            }
            return node
        } catch let failure as YamlError {
            recordSyntaxError(failure)
        } catch {
            self.error("cannot read YAML: \(error)", at: nil as SourcePosition?)
        }
        return nil
    }

    /// Project files larger than this are refused before parsing.
    static let maximumBytes = 16 << 20
    /// At most this many values added by expanding aliases (a document without aliases
    /// adds none, however long).
    static let maximumAliasExpansion = 1_000_000

    /// A node's place, for counting alias expansions.
    private struct Position: Hashable {
        let line: Int, column: Int
    }

    /// The number of values `node` stands for with every alias expanded, counted once per
    /// distinct node (an alias's node keeps its anchor's position), so the count itself is
    /// linear in the document.
    private static func expandedSize(of node: Node, memo: inout [Position: Int]) -> Int {
        let position = node.mark.map { Position(line: $0.line, column: $0.column) }
        if let position, let known = memo[position] { return known }
        let children: [Node] =
            switch node {
            case .mapping(let mapping): mapping.flatMap { [$0.key, $0.value] }
            case .sequence(let sequence): Array(sequence)
            default: []
            }
        // Saturating: a bomb of any depth counts as huge, never overflows.
        let size = children.reduce(1) { min($0 + expandedSize(of: $1, memo: &memo), Int.max / 2) }
        if let position { memo[position] = size }
        return size
    }

    /// Reports a parser error at its line and column.
    private func recordSyntaxError(_ failure: YamlError) {
        switch failure {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.joined(separator: " ")
            error("invalid YAML: \(text)", at: SourcePosition(mark))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            error("key \(names) is given more than once in this mapping (first here); keep one", at: SourcePosition(context.mark))
        case .reader(let problem, _, _, _):
            error("cannot read the file as text: \(problem)", at: nil as SourcePosition?)
        default:
            error("invalid YAML: \(failure)", at: nil as SourcePosition?)
        }
    }

    /// Reports an error at `mark` (the file's start when `nil`).
    func error(_ message: String, at mark: SourcePosition?) {
        diagnostics.append(Diagnostic(.error, message, file: file, mark: mark))
    }

    /// An error at a line and column found without the parser (bytes that are not UTF-8).
    func error(_ message: String, line: Int, column: Int) {
        diagnostics.append(Diagnostic(.error, message, file: file, line: line, column: column))
    }

    /// Reports an error at `node`.
    func error(_ message: String, at node: Node) {
        error(message, at: node.position)
    }

    /// Reports a warning at `mark`.
    func warning(_ message: String, at mark: SourcePosition?) {
        diagnostics.append(Diagnostic(.warning, message, file: file, mark: mark))
    }

    /// Takes on the diagnostics another reader found in a file this one's file refers to.
    func include(_ found: [Diagnostic]) {
        diagnostics += found
    }

    /// Records `message` as a policy at `level` demands: an error, a warning, or nothing.
    func report(_ level: ProjectConfig.Level, _ message: String, at mark: SourcePosition?) {
        switch level {
        case .error: error(message, at: mark)
        case .warn: warning(message, at: mark)
        case .off: break
        }
    }

    /// A mapping whose keys must all be in `allowed`; an unknown key is an error that
    /// suggests the closest allowed one.
    func fields(_ node: Node, of what: String, allowed: [String]) -> Fields? {
        guard let pairs = mapping(node, of: what) else { return nil }
        var values: [String: Node] = [:]
        for (key, value) in pairs {
            guard allowed.contains(key.value) else {
                error(unknownKeyMessage(key.value, in: what, allowed: allowed), at: key.mark)
                continue
            }
            values[key.value] = value
        }
        return Fields(node: node, values: values)
    }

    /// A mapping of names chosen by the user (steps, params, assets), in file order.
    func mapping(_ node: Node, of what: String) -> [(key: Located<String>, value: Node)]? {
        guard let mapping = node.mapping else {
            error("\(what) must be a mapping, not \(node.kindName)", at: node)
            return nil
        }
        var pairs: [(key: Located<String>, value: Node)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                error("keys in \(what) must be plain names, not \(key.kindName)", at: key)
                continue
            }
            pairs.append((Located(name, at: key.position), value))
        }
        return pairs
    }

    /// A YAML string. A plain scalar YAML reads as something else (`true`, `3.11`, `null`)
    /// is an error with a hint to quote it, rather than silently turned into text.
    func string(_ node: Node, _ what: String) -> Located<String>? {
        guard let scalar = node.scalar, node.tagName == .str else {
            let hint = node.scalar.map { "; quote it: \"\($0.string)\"" } ?? ""
            error("\(what) must be a string, not \(node.kindName)\(hint)", at: node)
            return nil
        }
        return Located(scalar.string, at: node.position)
    }

    /// An integer scalar, or an error.
    func int(_ node: Node, _ what: String) -> Located<Int>? {
        guard let value = node.int, node.tagName == .int else {
            error("\(what) must be an integer, not \(node.kindName)", at: node)
            return nil
        }
        return Located(value, at: node.position)
    }

    /// A boolean scalar, or an error.
    func bool(_ node: Node, _ what: String) -> Bool? {
        guard let value = node.bool, node.tagName == .bool else {
            error("\(what) must be true or false, not \(node.kindName)", at: node)
            return nil
        }
        return value
    }

    /// A number (an integer reads as one), or an error.
    func number(_ node: Node, _ what: String) -> Double? {
        switch node.tagName {
        case .int: return node.int.map(Double.init)
        case .float: return node.float
        default:
            error("\(what) must be a number, not \(node.kindName)", at: node)
            return nil
        }
    }

    /// A list of strings; a single string is not accepted in its place, to keep one form.
    func strings(_ node: Node, _ what: String) -> [Located<String>] {
        guard let sequence = node.sequence else {
            error("\(what) must be a list, not \(node.kindName)", at: node)
            return []
        }
        return sequence.compactMap { string($0, "each entry of \(what)") }
    }

    /// A mapping from names to strings, in file order.
    func stringMap(_ node: Node, _ what: String) -> [(key: Located<String>, value: Located<String>)] {
        (mapping(node, of: what) ?? []).compactMap { key, value in
            string(value, "'\(key.value)' in \(what)").map { (key, $0) }
        }
    }

    /// One of a fixed set of words.
    /// One of a fixed set of words. Read as plain text, because YAML 1.1 would otherwise
    /// turn words like `off` into booleans.
    func choice(_ node: Node, _ what: String, among choices: [String]) -> String? {
        guard let word = scalarText(node, what) else { return nil }
        guard choices.contains(word) else {
            let list = choices.map { "'\($0)'" }.joined(separator: ", ")
            error("\(what) must be one of \(list), not '\(word)'", at: node)
            return nil
        }
        return word
    }

    /// An unknown key's error, suggesting the closest allowed one.
    private func unknownKeyMessage(_ key: String, in what: String, allowed: [String]) -> String {
        let hint = suggestion(key, among: allowed)
        return "unknown key '\(key)' in \(what)" + (hint.isEmpty ? "; allowed: \(allowed.joined(separator: ", "))" : hint)
    }
}

extension Node {
    /// How the node reads in a message: "a mapping", "a list", "the string 'x'", "the number 3".
    var kindName: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch tagName {
            case .null: return "nothing (null)"
            case .int, .float: return "the number \(scalar.string)"
            case .bool: return "the boolean \(scalar.string)"
            default: return "the string '\(scalar.string)'"
            }
        }
    }
}

/// "; did you mean 'x'?" naming the closest of `names` that `name` is a plausible typo of
/// (a few edits away, or cut short), else "".
func suggestion(_ name: String, among names: [String], quoted: (String) -> String = { $0 }) -> String {
    let plausible = names.filter { $0.hasPrefix(name) || editDistance(name, $0) <= max(2, name.count / 4) }
    guard let closest = plausible.min(by: { editDistance(name, $0) < editDistance(name, $1) }) else { return "" }
    return "; did you mean '\(quoted(closest))'?"
}

/// Levenshtein distance.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var previous = Array(0...b.count)
    for i in a.indices {
        var current = [i + 1]
        for j in b.indices {
            current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a[i] == b[j] ? 0 : 1)))
        }
        previous = current
    }
    return previous[b.count]
}

extension Node {
    /// The node's resolved tag (`int`, `float`, `str`, …): plain scalars get theirs from the
    /// YAML 1.1 resolver, quoted ones are always strings.
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}

extension Node {
    /// Where the parser found this node.
    var position: SourcePosition? { mark.map(SourcePosition.init) }
}
