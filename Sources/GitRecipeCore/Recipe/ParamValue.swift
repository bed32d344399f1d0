import Yams

/// A typed parameter value: what a recipe declares as a default and `-p` overrides.
public enum ParamValue: Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)
    case list([ParamValue])
    case map([String: ParamValue])

    /// The text substituted for a placeholder, before shell quoting. Floats use Swift's
    /// shortest round-trip form, so the same value always prints the same way.
    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .float(let value): String(value)
        case .bool(let value): String(value)
        case .string(let value): value
        case .list(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .map(let values):
            "{" + values.keys.sorted().map { "\($0): \(values[$0]!)" }.joined(separator: ", ") + "}"
        }
    }

    /// The type's name with its article, as used in messages: "an integer".
    var typeName: String {
        switch self {
        case .int: "an integer"
        case .float: "a number"
        case .bool: "a boolean"
        case .string: "a string"
        case .list: "a list"
        case .map: "a mapping"
        }
    }

    /// Every scalar leaf under this value, by dotted path (`optim.momentum`).
    func leaves(prefix: String) -> [String: ParamValue] {
        guard case .map(let values) = self else { return [prefix: self] }
        return values.reduce(into: [:]) { result, entry in
            result.merge(entry.value.leaves(prefix: "\(prefix).\(entry.key)")) { first, _ in first }
        }
    }
}

extension YAMLReader {
    /// Reads a parameter default: a scalar, a list, or a nested mapping of parameters.
    func param(_ node: Node, _ what: String) -> ParamValue? {
        switch node {
        case .scalar(let scalar):
            switch node.tagName {
            case .int: return node.int.map(ParamValue.int)
            case .float: return node.float.map(ParamValue.float)
            case .bool: return node.bool.map(ParamValue.bool)
            case .null:
                error("\(what) needs a default value", at: node)
                return nil
            default:
                // A param is a value: placeholders are not expanded in it, and a literal
                // `{{seed}}` reaching a step is never what was meant.
                if scalar.string.contains("{{") {
                    error(
                        "\(what) holds '\(scalar.string)', but params are values, never templates: write the placeholder "
                            + "in the step's run (run: train.py --seed {{seed}}), or read RECIPE_SEED / RECIPE_PARAM_* there", at: node)
                    return nil
                }
                return .string(scalar.string)
            }
        case .sequence(let sequence):
            let values = sequence.compactMap { param($0, "an entry of \(what)") }
            return values.count == sequence.count ? .list(values) : nil
        case .mapping:
            return params(node, what).map(ParamValue.map)
        case .alias:
            error("\(what) cannot be an alias", at: node)
            return nil
        }
    }

    /// Reads a mapping of parameter names to defaults.
    func params(_ node: Node, _ what: String) -> [String: ParamValue]? {
        guard let pairs = mapping(node, of: what) else { return nil }
        var values: [String: ParamValue] = [:]
        for (key, value) in pairs {
            guard key.value.isIdentifier else {
                error("'\(key.value)' is not a valid param name in \(what); use letters, digits and _", at: key.mark)
                continue
            }
            values[key.value] = param(value, "param '\(key.value)'")
        }
        return values
    }
}

extension String {
    /// Letters, digits, `_` and `-`, not starting with a digit or `-`: names that can stand
    /// in a placeholder and an environment variable name.
    var isIdentifier: Bool {
        guard let first = unicodeScalars.first, first == "_" || first.properties.isAlphabetic, first.isASCII else {
            return false
        }
        return unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }
}
