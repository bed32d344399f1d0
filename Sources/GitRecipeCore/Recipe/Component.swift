import Yams

/// A reusable step with a contract, `.recipes/components/NAME.yaml` (docs/reference.md).
struct Component: Sendable {
    /// A named path the component reads or writes.
    public struct Port: Sendable {
        /// The port's name, as placeholders name it.
        public let name: Located<String>
        /// Whether the port is a file or a directory.
        let kind: PathKind
        /// The path bound when `with` does not name it.
        let defaultPath: Located<String>?
        /// For outputs: the file holds metrics.
        public let metrics: Bool
        /// What its data must look like (`format:` and its keys), checked wherever it is bound.
        let contract: DataContract?
    }

    /// The component's name: its file's name without `.yaml`; `SOURCE/NAME` for a pinned one.
    public let name: String
    /// Its file, relative to the repository; `SOURCE@COMMIT/PATH` for a pinned one.
    public let file: String
    /// The pinned source it comes from; `nil` for one in this repository.
    var source: ComponentSource?
    /// For a pinned component: its own file and every file its `files` name, as the source's
    /// commit holds them, sorted by path.
    var sourceEntries: [IndexEntry] = []
    /// Its `description`.
    public var summary: String?
    /// Why it does what it does the way it does (`rationale`), for the catalog.
    var rationale: String?
    /// What it gives up, and when to choose another (`tradeoffs`), for the catalog.
    var tradeoffs: String?
    /// The files it reads.
    public var inputs: [Port] = []
    /// The files it writes.
    public var outputs: [Port] = []
    /// Its params with their defaults.
    public var params: [String: ParamValue] = [:]
    /// Code the component depends on; pinned like inputs.
    public var files: [Located<String>] = []
    /// Its command.
    public var run: Located<String>?
    /// Its tests, in file order.
    var tests: [Test] = []

    /// A test of the component (`git recipe test`): fixture files bound to its inputs,
    /// params, and the bounds its metrics must fall in; its outputs' contracts hold too.
    struct Test: Sendable {
        /// The test's name.
        let name: Located<String>
        /// Fixture files (paths in the component's repository), by input.
        let inputs: [String: String]
        /// Params that differ from the component's defaults.
        let params: [String: ParamValue]
        /// Bounds per metric: the lowest and highest value allowed.
        let metrics: [String: (minimum: Double?, maximum: Double?)]
    }

    /// The input or output called `name`.
    func port(_ name: String) -> Port? {
        (inputs + outputs).first { $0.name.value == name }
    }
}

/// Whether a path names a file or a directory; directories are written with a trailing `/`.
enum PathKind: String, Sendable {
    case file, dir

    /// The kind a path names: a directory when it ends in `/`.
    init(of path: String) {
        self = path.hasSuffix("/") ? .dir : .file
    }
}

extension Component {
    /// The keys a component file may hold.
    static let keys = ["version", "description", "rationale", "tradeoffs", "inputs", "outputs", "params", "files", "run", "tests"]

    /// Reads a component file, reporting every problem to `reader`.
    static func read(_ node: Node, name: String, reader: YAMLReader) -> Component? {
        guard let fields = reader.fields(node, of: "the component", allowed: keys) else { return nil }
        reader.version(fields)
        var component = Component(name: name, file: reader.file)
        component.summary = fields["description"].flatMap { reader.string($0, "description")?.value }
        component.rationale = fields["rationale"].flatMap { reader.string($0, "rationale")?.value }
        component.tradeoffs = fields["tradeoffs"].flatMap { reader.string($0, "tradeoffs")?.value }
        component.inputs = fields["inputs"].map { readPorts($0, "inputs", reader) } ?? []
        component.outputs = fields["outputs"].map { readPorts($0, "outputs", reader) } ?? []
        component.params = fields["params"].flatMap { reader.params($0, "params") } ?? [:]
        component.files = fields["files"].map { reader.strings($0, "files") } ?? []
        component.run = fields["run"].flatMap { reader.string($0, "run") }
        component.tests = fields["tests"].map { readTests($0, of: component, reader) } ?? []
        if fields["run"] == nil {
            reader.error("the component has no 'run' command", at: node)
        }
        var seen: Set<String> = []
        for port in component.inputs + component.outputs where !seen.insert(port.name.value).inserted {
            reader.error("'\(port.name.value)' is declared as both an input and an output", at: port.name.mark)
        }
        return component
    }

    /// Reads `tests`: each binds fixtures to inputs (every input without a default), may set
    /// declared params, and bounds metrics.
    private static func readTests(_ node: Node, of component: Component, _ reader: YAMLReader) -> [Test] {
        (reader.mapping(node, of: "tests") ?? []).compactMap { name, value -> Test? in
            let what = "test '\(name.value)'"
            guard let fields = reader.fields(value, of: what, allowed: ["inputs", "params", "metrics"]) else { return nil }
            var inputs: [String: String] = [:]
            for pair in fields["inputs"].map({ reader.stringMap($0, "inputs of \(what)") }) ?? [] {
                let (key, path) = (pair.key, pair.value)
                guard component.inputs.contains(where: { $0.name.value == key.value }) else {
                    reader.error("\(what) binds '\(key.value)', which is not an input of the component", at: key.mark)
                    continue
                }
                if let problem = RepositoryPath.problem(with: path.value) { reader.error(problem, at: path.mark) }
                inputs[key.value] = path.value
            }
            for port in component.inputs where inputs[port.name.value] == nil && port.defaultPath == nil {
                reader.error("\(what) does not bind input '\(port.name.value)', which has no default; add it under 'inputs'", at: name.mark)
            }
            var params: [String: ParamValue] = [:]
            for (key, node) in fields["params"].flatMap({ reader.mapping($0, of: "params of \(what)") }) ?? [] {
                guard let declared = component.params[key.value] else {
                    reader.error("\(what) sets param '\(key.value)', which the component does not declare", at: key.mark)
                    continue
                }
                guard let read = reader.param(node, "param '\(key.value)'"), let converted = read.converted(toTypeOf: declared) else {
                    reader.error("param '\(key.value)' of \(what) must be \(declared.typeName)", at: node)
                    continue
                }
                params[key.value] = converted
            }
            var metrics: [String: (minimum: Double?, maximum: Double?)] = [:]
            for (metric, bounds) in fields["metrics"].flatMap({ reader.mapping($0, of: "metrics of \(what)") }) ?? [] {
                guard let limits = reader.fields(bounds, of: "bounds of metric '\(metric.value)'", allowed: ["min", "max"]) else { continue }
                metrics[metric.value] = (
                    limits["min"].flatMap { reader.number($0, "min of metric '\(metric.value)'") },
                    limits["max"].flatMap { reader.number($0, "max of metric '\(metric.value)'") }
                )
            }
            return Test(name: name, inputs: inputs, params: params, metrics: metrics)
        }
    }

    /// Reads `inputs` or `outputs`: a name, its kind and default path, and its contract
    /// (`format:` and the keys of that format) each.
    private static func readPorts(_ node: Node, _ section: String, _ reader: YAMLReader) -> [Port] {
        let own = section == "outputs" ? ["kind", "default", "metrics"] : ["kind", "default"]
        return (reader.mapping(node, of: section) ?? []).compactMap { name, value in
            let what = "\(section.dropLast()) '\(name.value)'"
            guard let fields = reader.fields(value, of: what, allowed: own + DataContract.keys) else { return nil }
            guard let kindNode = fields["kind"] else {
                reader.error("\(what) needs 'kind: file' or 'kind: dir'", at: value)
                return nil
            }
            guard let kind = reader.choice(kindNode, "kind of \(what)", among: ["file", "dir"]).flatMap(PathKind.init) else {
                return nil
            }
            let defaultPath = fields["default"].flatMap { reader.string($0, "default of \(what)") }
            let metrics = fields["metrics"].flatMap { reader.bool($0, "metrics of \(what)") } ?? false
            let declaresContract = DataContract.keys.contains { fields[$0] != nil }
            let contract = declaresContract ? DataContract.read(value, of: "the contract of \(what)", reader: reader, besides: own) : nil
            return Port(name: name, kind: kind, defaultPath: defaultPath, metrics: metrics, contract: contract)
        }
    }
}
