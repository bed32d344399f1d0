import Foundation
import Yams

/// Reads a metrics file (JSON or YAML) into numbers keyed by dotted path:
/// `{"val": {"acc": 0.9}}` gives `val.acc: 0.9`. Anything that is not a number is left out.
enum Metrics {
    static func read(_ path: String) throws(MetricsError) -> [String: Double] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw MetricsError(path: path, reason: "cannot read it")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)   // JSON is YAML
        } catch {
            throw MetricsError(path: path, reason: "\(error)".split(separator: "\n").first.map(String.init) ?? "not JSON or YAML")
        }
        guard let node, case .mapping = node else { throw MetricsError(path: path, reason: "it is not a mapping of names to numbers") }
        var metrics: [String: Double] = [:]
        flatten(node, prefix: "", into: &metrics)
        return metrics
    }

    private static func flatten(_ node: Node, prefix: String, into metrics: inout [String: Double]) {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                let name = key.string ?? ""
                flatten(value, prefix: prefix.isEmpty ? name : "\(prefix).\(name)", into: &metrics)
            }
        case .scalar where node.tagName == .int || node.tagName == .float:
            if let number = node.float { metrics[prefix] = number }
        default:
            break
        }
    }
}

/// A metrics file that cannot be read.
struct MetricsError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "metrics file '\(path)' is malformed: \(reason)" }
}
