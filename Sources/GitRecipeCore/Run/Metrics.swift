import Foundation
import Yams

/// Reads a metrics file (JSON or YAML) into numbers keyed by dotted path:
/// `{"val": {"acc": 0.9}}` gives `val.acc: 0.9`. Anything that is not a number is left out,
/// except the non-finite values Python's `json.dump` writes (`NaN`, `Infinity`,
/// `-Infinity`) and YAML's `.nan`/`.inf`: they are metrics too, recorded as `.nan`/`.inf`, so
/// a diverged loss is seen rather than dropped. Two paths that flatten to one name
/// (`{"a.b": 1, "a": {"b": 2}}`) are an error naming both.
enum Metrics {
    /// The numbers in the JSON or YAML file at `path`, flattened to dotted names.
    static func read(_ path: String) throws(MetricsError) -> [String: Double] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw MetricsError(path: path, reason: "cannot read it")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)  // JSON is YAML
        } catch {
            throw MetricsError(path: path, reason: "\(error)".split(separator: "\n").first.map(String.init) ?? "not JSON or YAML")
        }
        guard let node, case .mapping = node else { throw MetricsError(path: path, reason: "it is not a mapping of names to numbers") }
        var metrics: [String: (value: Double, source: String)] = [:]
        try flatten(node, prefix: "", source: "", into: &metrics, path: path)
        return metrics.mapValues(\.value)
    }

    /// How JSON writers spell the numbers JSON cannot.
    private static let nonFinite: [String: Double] = ["NaN": .nan, "Infinity": .infinity, "-Infinity": -.infinity]

    /// Adds every number under `value` to `metrics`, by dotted name.
    private static func flatten(
        _ node: Node, prefix: String, source: String, into metrics: inout [String: (value: Double, source: String)], path: String
    ) throws(MetricsError) {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                let name = key.string ?? ""
                try flatten(
                    value, prefix: prefix.isEmpty ? name : "\(prefix).\(name)",
                    source: source.isEmpty ? "'\(name)'" : "\(source) → '\(name)'", into: &metrics, path: path)
            }
        case .scalar(let scalar):
            let number: Double? =
                if node.tagName == .int || node.tagName == .float {
                    node.float
                } else if scalar.style == .plain {
                    nonFinite[scalar.string]
                } else {
                    nil
                }
            guard let number else { return }
            if let earlier = metrics[prefix] {
                throw MetricsError(path: path, reason: "metric '\(prefix)' is given twice, by \(earlier.source) and by \(source); rename one of them")
            }
            metrics[prefix] = (number, source)
        default:
            break
        }
    }
}

/// A metrics file that cannot be read.
struct MetricsError: Error, CustomStringConvertible {
    /// The metrics file.
    let path: String
    /// What is wrong with it.
    let reason: String
    var description: String { "metrics file '\(path)' is malformed: \(reason)" }
}
