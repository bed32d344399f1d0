import Foundation
import Yams

extension ParamsFile {
    /// The file's text for a run with `params`: its own text when every value
    /// it declares is unchanged; otherwise the document with each changed value replaced —
    /// other keys and their order kept, comments not — as YAML, or as JSON for a `.json` file.
    func text(with params: [String: ParamValue]) throws -> String {
        let changed = values.keys.sorted().filter { params[$0] != values[$0] }
        guard !changed.isEmpty, var root = try Yams.compose(yaml: text), var mapping = root.mapping else { return text }
        for key in changed {
            guard let value = params[key] else { continue }
            let old = mapping[key]
            mapping[key] = try Self.node(value, replacing: old)
        }
        root = .mapping(mapping)
        let yaml = try Yams.serialize(node: root)
        return isJSON ? try ManifestValue(parsing: yaml).json() + "\n" : yaml
    }

    /// `value` as a node: a mapping changes only the keys whose values changed, so that the
    /// keys the recipe does not declare (nulls, say) stay as the file has them.
    private static func node(_ value: ParamValue, replacing old: Node?) throws -> Node {
        if case .map(let values) = value, var mapping = old?.mapping {
            for (key, entry) in values.sorted(by: { $0.key < $1.key }) {
                mapping[key] = try node(entry, replacing: mapping[key])
            }
            return .mapping(mapping)
        }
        // CanonicalYAML writes what YAML 1.1 reads back as the same type (`1.0e-05`, a
        // quoted "true"), so code that reads the file with PyYAML gets the value's type.
        return try Yams.compose(yaml: CanonicalYAML(value).rendered()) ?? Node("null", Tag(.null))
    }

    /// Writes each of `files` under `root` with `params`, all or none; returns what was
    /// written where, by path (the files that differ from the commit's).
    static func write(_ files: [ParamsFile], params: [String: ParamValue], under root: String) throws -> [String: Data] {
        var transaction = FileTransaction()
        var written: [String: Data] = [:]
        for file in files {
            let text = try file.text(with: params)
            transaction.write(Data(text.utf8), to: URL(fileURLWithPath: root).appending(path: file.path.value))
            if text != file.text { written[file.path.value] = Data(text.utf8) }
        }
        try transaction.commit()
        return written
    }
}
