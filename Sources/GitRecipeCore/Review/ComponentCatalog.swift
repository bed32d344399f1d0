import Foundation

/// `git recipe components`: the page a group publishes about its components —
/// for each, what it does, why and at what cost, its ports with their contracts, its params
/// with their defaults, its tests, where it comes from, and which recipes use it.
public struct ComponentCatalog {
    /// One component's entry.
    struct Entry {
        let component: Component
        /// `RECIPE (step STEP)` for every step that uses it.
        let users: [String]
    }

    /// The entries, by name.
    let entries: [Entry]

    /// The catalog of `project`'s components.
    public init(_ project: Project) {
        entries = project.components.values.sorted { $0.name < $1.name }.map { component in
            let users = project.pipelines.flatMap { pipeline in
                pipeline.steps.filter { $0.component == component.name }.map { "\(pipeline.recipe.name) (step \($0.name))" }
            }
            return Entry(component: component, users: users.sorted())
        }
    }

    /// Whether there is no component.
    public var isEmpty: Bool { entries.isEmpty }

    /// GitHub-flavoured Markdown: a section per component.
    public func markdown() -> String {
        var text = "# Components\n"
        for entry in entries {
            let component = entry.component
            text += "\n## \(Escaping.markdown(component.name))\n\n"
            if let summary = component.summary { text += Escaping.markdown(summary) + "\n\n" }
            if let rationale = component.rationale { text += "**Why:** \(Escaping.markdown(rationale))\n\n" }
            if let tradeoffs = component.tradeoffs { text += "**Trade-offs:** \(Escaping.markdown(tradeoffs))\n\n" }
            if let source = component.source {
                text += "Source: \(Escaping.code(source.url)) at commit \(Escaping.code(source.commit.description)) (pinned as "
                text += "\(Escaping.code(source.name))). "
            } else {
                text += "Source: \(Escaping.code(component.file)) in this repository. "
            }
            text += "Used by: \(entry.users.isEmpty ? "no recipe" : entry.users.map(Escaping.markdown).joined(separator: ", ")).\n\n"
            text += "| port | direction | kind | default | contract |\n|---|---|---|---|---|\n"
            for (direction, ports) in [("input", component.inputs), ("output", component.outputs)] {
                for port in ports {
                    let contract = (port.contract.map(Self.describe) ?? "—") + (port.metrics ? " (metrics)" : "")
                    text +=
                        "| \(Escaping.code(port.name.value)) | \(direction) | \(port.kind.rawValue) | "
                        + "\(port.defaultPath.map { Escaping.code($0.value) } ?? "—") | \(Escaping.markdown(contract)) |\n"
                }
            }
            let params = ParamValue.map(component.params).leaves(prefix: "").sorted { $0.key < $1.key }
            if !params.isEmpty {
                text += "\n| param | default |\n|---|---|\n"
                text += params.map { "| \(Escaping.code(String($0.key.dropFirst()))) | \(Escaping.code($0.value.description)) |\n" }.joined()
            }
            if !component.tests.isEmpty {
                text += "\nTests (git recipe test \(Escaping.markdown(component.name))): "
                text += component.tests.map { Escaping.code($0.name.value) }.joined(separator: ", ") + ".\n"
            }
        }
        return text
    }

    /// One paragraph per component, for a terminal.
    public func text() -> String {
        entries.map { entry in
            let component = entry.component
            var lines = ["\(component.name)\(component.summary.map { " — \($0)" } ?? "")"]
            for (direction, ports) in [("in ", component.inputs), ("out", component.outputs)] {
                for port in ports {
                    lines.append("  \(direction) \(port.name.value) (\(port.kind.rawValue))\(port.contract.map { ": \(Self.describe($0))" } ?? "")")
                }
            }
            let params = ParamValue.map(component.params).leaves(prefix: "").sorted { $0.key < $1.key }
            if !params.isEmpty { lines.append("  params: " + params.map { "\($0.key.dropFirst())=\($0.value)" }.joined(separator: " ")) }
            if !component.tests.isEmpty { lines.append("  tests: " + component.tests.map(\.name.value).joined(separator: ", ")) }
            if let source = component.source { lines.append("  source: \(source.url) at \(source.commit)") }
            lines.append("  used by: \(entry.users.isEmpty ? "no recipe" : entry.users.joined(separator: ", "))")
            return lines.map { Escaping.terminal($0) + "\n" }.joined()
        }.joined(separator: "\n")
    }

    /// The catalog as JSON.
    public func json() -> String {
        ManifestValue.list(
            entries.map { entry in
                let component = entry.component
                let ports = { (ports: [Component.Port]) -> ManifestValue in
                    .list(
                        ports.map { port in
                            .map([
                                .init("name", .string(port.name.value)), .init("kind", .string(port.kind.rawValue)),
                                .init("default", port.defaultPath.map { .string($0.value) } ?? .null),
                                .init("contract", port.contract.map { .string(Self.describe($0)) } ?? .null), .init("metrics", .bool(port.metrics)),
                            ])
                        })
                }
                return .map([
                    .init("name", .string(component.name)), .init("file", .string(component.file)),
                    .init(
                        "source",
                        component.source.map {
                            .map([.init("name", .string($0.name)), .init("url", .string($0.url)), .init("commit", .string($0.commit.description))])
                        } ?? .null),
                    .init("description", component.summary.map(ManifestValue.string) ?? .null),
                    .init("rationale", component.rationale.map(ManifestValue.string) ?? .null),
                    .init("tradeoffs", component.tradeoffs.map(ManifestValue.string) ?? .null),
                    .init("inputs", ports(component.inputs)), .init("outputs", ports(component.outputs)),
                    .init(
                        "params",
                        .map(
                            ParamValue.map(component.params).leaves(prefix: "").sorted { $0.key < $1.key }.map {
                                .init(String($0.key.dropFirst()), .string($0.value.description))
                            })),
                    .init("tests", .list(component.tests.map { .string($0.name.value) })),
                    .init("used_by", .list(entry.users.map(ManifestValue.string))),
                ])
            }
        ).json() + "\n"
    }

    /// A contract in a few words: `csv: id int, label int`, `json: object, required acc`, `npy: float32, (*, 3)`.
    static func describe(_ contract: DataContract) -> String {
        let (format, details): (String, [String?]) =
            switch contract {
            case .table(let separator, let columns):
                (separator == UInt8(ascii: ",") ? "csv" : "tsv", columns.map { "\($0.name) \($0.type)" })
            case .document(let yaml, let schema):
                (yaml ? "yaml" : "json", [schema.type, schema.required.isEmpty ? nil : "required " + schema.required.joined(separator: ", ")])
            case .array(let dtype, let shape):
                ("npy", [dtype, shape.map { "(" + $0.map { $0.map(String.init) ?? "*" }.joined(separator: ", ") + ")" }])
            case .directory(let globs):
                ("dir", globs.isEmpty ? [] : ["contains " + globs.joined(separator: ", ")])
            }
        let said = details.compactMap { $0 }
        return said.isEmpty ? format : "\(format): \(said.joined(separator: ", "))"
    }
}
