import Yams

/// A file a recipe takes its params from: `params: {file: params.yaml}`,
/// `params: {file: conf/base/parameters.yml, keys: [model_options]}` for some of its top-level
/// keys, or a list of such. The values the file holds are the recipe's declared params —
/// typed, locked, overridden by `-p` and `--grid` — so code that reads the file needs no
/// change; a run with overrides rewrites the file in a scratch worktree, never in the checkout.
public struct ParamsFile: Sendable {
    /// The file, relative to the repository root, where the recipe names it.
    public let path: Located<String>
    /// Its text as read: what a run with no override of its params sees.
    let text: String
    /// The params it declares, by top-level key (only `keys:` when the recipe lists them).
    let values: [String: ParamValue]

    /// Whether the file is JSON (`.json`): it is rewritten as JSON.
    var isJSON: Bool { path.value.lowercased().hasSuffix(".json") }
}

extension ParamsFile {
    /// Whether `node`, a recipe's `params`, names files rather than declaring values: a
    /// mapping with a `file` key, or a list (declared params are a mapping of names).
    static func isReference(_ node: Node) -> Bool {
        if case .sequence = node { return true }
        return node.mapping?["file"] != nil
    }

    /// Reads the files `node` names through `files`, each problem a diagnostic: in the
    /// recipe (a missing file, a key the file lacks, a key two files declare) or in the
    /// params file itself (syntax, a value that is not a param), with its line and column.
    static func read(_ node: Node, reader: YAMLReader, files: any ProjectFiles) -> [ParamsFile] {
        let entries: [Node] = if case .sequence(let sequence) = node { Array(sequence) } else { [node] }
        if entries.isEmpty { reader.error("params lists no file; write params: {file: params.yaml}", at: node) }
        var read: [ParamsFile] = []
        for entry in entries {
            guard let file = one(entry, reader: reader, files: files) else { continue }
            for key in file.values.keys.sorted() {
                if let other = read.first(where: { $0.values[key] != nil }) {
                    reader.error(
                        "param '\(key)' is declared by both '\(other.path.value)' and '\(file.path.value)'; "
                            + "take it from one of them with keys: [...]", at: file.path.mark)
                }
            }
            read.append(file)
        }
        return read
    }

    /// One `{file: PATH, keys: [...]}` entry, read.
    private static func one(_ node: Node, reader: YAMLReader, files: any ProjectFiles) -> ParamsFile? {
        guard let fields = reader.fields(node, of: "a params file", allowed: ["file", "keys"]) else { return nil }
        guard let pathNode = fields["file"] else {
            reader.error("a params file needs 'file', the path of a YAML or JSON file: {file: params.yaml}", at: node)
            return nil
        }
        guard let path = reader.string(pathNode, "file of params") else { return nil }
        if let problem = RepositoryPath.problem(with: path.value) {
            reader.error(problem, at: path.mark)
            return nil
        }
        let keys = fields["keys"].map { reader.strings($0, "keys of params file '\(path.value)'") }
        let fileReader = YAMLReader(file: path.value)
        defer { reader.include(fileReader.diagnostics) }
        let text: String
        do {
            guard let found = try files.read(path.value) else {
                reader.error("params file '\(path.value)' does not exist; create it, or fix the path", at: path.mark)
                return nil
            }
            text = found
        } catch let notText as NotText {
            fileReader.error(notText.message, line: notText.line, column: notText.column)
            return nil
        } catch {
            reader.error("params file '\(path.value)' cannot be read: \(error)", at: path.mark)
            return nil
        }
        guard let root = fileReader.parse(text).map(withoutNulls) else { return nil }
        guard let pairs = fileReader.mapping(root, of: "a params file") else { return nil }
        var values: [String: ParamValue] = [:]
        if let keys {
            for key in keys {
                guard let value = pairs.first(where: { $0.key.value == key.value })?.value else {
                    let found = pairs.map(\.key.value)
                    let hint = suggestion(key.value, among: found)
                    reader.error(
                        "params file '\(path.value)' has no top-level key '\(key.value)'"
                            + (hint.isEmpty ? "; its keys: \(found.isEmpty ? "none" : found.joined(separator: ", "))" : hint), at: key.mark)
                    continue
                }
                guard key.value.isIdentifier else {
                    reader.error("'\(key.value)' is not a valid param name; use letters, digits and _", at: key.mark)
                    continue
                }
                values[key.value] = fileReader.param(value, "param '\(key.value)'")
            }
        } else {
            values = fileReader.params(root, "params file '\(path.value)'") ?? [:]
        }
        return ParamsFile(path: path, text: text, values: values)
    }

    /// `node` without the mapping entries whose value is null, at any depth: a null is no
    /// value a param can hold, so it declares none (one that gains a value then adds a
    /// param, and the lock sees it).
    private static func withoutNulls(_ node: Node) -> Node {
        guard var mapping = node.mapping else { return node }
        for (key, value) in mapping {
            mapping[key] = value.tagName == .null ? nil : withoutNulls(value)
        }
        return .mapping(mapping)
    }
}
