import Yams

/// Checks one recipe against its components and the project's policies, records every
/// problem in the recipe's reader, and resolves it into a ``Pipeline``.
struct RecipeValidator {
    /// The recipe validated.
    let recipe: Recipe
    /// The components it may use, by name.
    let components: [String: Component]
    /// Pinned sources declared with an error or not fetched here (both reported against the
    /// settings file): their components are not reported unknown a second time.
    let unusable: Set<String>
    /// The project's settings, which say how strict to be.
    let config: ProjectConfig
    /// Where problems are reported.
    let reader: YAMLReader

    /// The recipe's steps resolved and ordered; `nil` when it has errors (reported).
    func pipeline() -> Pipeline {
        checkPolicies()
        checkAssets()
        for file in recipe.environment.files { checkPath(file) }
        let steps = withDataEdges(recipe.steps.compactMap(resolve))
        checkNeeds()
        checkOutputs()
        checkContracts(steps)
        let declared = Dictionary(recipe.steps.map { ($0.name.value, $0) }) { first, _ in first }
        for step in steps { checkPlaceholders(of: step, declared: declared[step.name]) }
        return Pipeline(recipe: recipe, steps: order(steps))
    }

    // MARK: Policies, assets, paths

    /// The project's image policy: every image, the recipe's and the steps', must be pinned by digest.
    private func checkPolicies() {
        for image in [recipe.environment.image].compactMap(\.self) + recipe.steps.compactMap(\.image)
        where image.value.wholeMatch(of: /.+@sha256:[0-9a-f]{64}/) == nil {
            reader.report(
                config.policy.imageDigest,
                "image '\(image.value)' is not pinned by digest; write it as NAME@sha256:<64 hex digits> (podman image inspect --format '{{.Digest}}' NAME shows it)",
                at: image.mark)
        }
    }

    /// Where `step` runs: in its image or the recipe's, else sandboxed if it or the recipe
    /// says so, else on the host. A step cannot be both in an image and sandboxed.
    private func isolation(of step: Step) -> StepIsolation {
        if let image = step.image ?? recipe.environment.image {
            if let sandbox = step.sandbox, sandbox.value {
                reader.error(
                    "step '\(step.name.value)' runs in image '\(image.value)' and says sandbox: true; a step runs in one of them: remove one",
                    at: sandbox.mark)
            }
            return .image(image.value, network: step.network)
        }
        return step.sandbox?.value ?? recipe.environment.sandbox ? .sandbox(network: step.network) : .host
    }

    /// Every asset has a valid name, a URL asset a supported scheme and a well-formed digest.
    private func checkAssets() {
        for asset in recipe.assets {
            if !asset.name.value.isIdentifier {
                reader.error("'\(asset.name.value)' is not a valid asset name; use letters, digits, _ and -", at: asset.name.mark)
            }
            guard case .url(let url, let sha256) = asset.source else { continue }
            if !["http://", "https://", "file://"].contains(where: url.value.hasPrefix) {
                reader.error("asset '\(asset.name.value)': url '\(url.value)' must start with https://, http:// or file://", at: url.mark)
            }
            if let sha256, sha256.value.wholeMatch(of: /[0-9a-f]{64}/) == nil {
                reader.error("asset '\(asset.name.value)': sha256 must be 64 lower-case hex digits (sha256sum prints it)", at: sha256.mark)
            }
        }
    }

    /// A path stays inside the repository.
    private func checkPath(_ path: Located<String>) {
        if let problem = RepositoryPath.problem(with: path.value) { reader.error(problem, at: path.mark) }
    }

    // MARK: Steps and components

    /// A step with its component bound: its command, inputs and outputs as the run sees them.
    private func resolve(_ step: Step) -> ResolvedStep? {
        for path in step.inputs + step.outputs + step.metrics + step.plots { checkPath(path) }
        var resolved: ResolvedStep?
        switch step.action {
        case .run(let run):
            guard let command = template(run) else { return nil }
            resolved = ResolvedStep(
                name: step.name.value, dependencies: dependencies(of: step), command: command,
                inputs: step.inputs.map(\.value), outputs: (step.outputs + step.metrics).map(\.value),
                metrics: step.metrics.map(\.value), plots: step.plots.map(\.value), resources: step.resources,
                isolation: isolation(of: step), component: nil, bindings: nil)
        case .uses(let name, let with, let params):
            guard let component = components[name.value] else {
                let known = components.keys.sorted().joined(separator: ", ")
                // `SOURCE/NAME` names a pinned source's component.
                let source = name.value.contains("/") ? name.value.split(separator: "/").first.map(String.init) : nil
                if let source, unusable.contains(source) { return nil }
                if let source, !config.sources.contains(where: { $0.name == source }) {
                    reader.error(
                        "unknown component source '\(source)' in '\(name.value)'; add it under 'components:' in \(ProjectConfig.file) "
                            + "with its url and rev", at: name.mark)
                } else {
                    reader.error(
                        "unknown component '\(name.value)'; components in .recipes/components/\(config.sources.isEmpty ? "" : " and pinned sources"): "
                            + (known.isEmpty ? "none" : known),
                        at: name.mark)
                }
                return nil
            }
            resolved = bind(component, in: step, with: with, params: params)
        }
        guard var resolved else { return nil }
        checkPlots(of: step, writing: resolved.outputs)
        resolved.contracts.merge(contracts(of: step, reading: resolved.inputs, writing: resolved.outputs)) { _, own in own }
        return resolved
    }

    /// Applies a component's contract to a step: every input and output bound or defaulted,
    /// nothing unknown bound, kinds matching, only declared params overridden.
    private func bind(
        _ component: Component, in step: Step, with: [String: Located<String>], params: [String: Located<ParamValue>]
    ) -> ResolvedStep? {
        let what = "step '\(step.name.value)'"
        var bindings: [String: String] = [:]
        for (key, path) in with.sorted(by: { $0.key < $1.key }) {
            guard let port = component.port(key) else {
                let names = (component.inputs + component.outputs).map(\.name.value)
                reader.error("component '\(component.name)' has no input or output '\(key)'\(suggestion(key, among: names))", at: path.mark)
                continue
            }
            checkPath(path)
            if PathKind(of: path.value) != port.kind {
                let hint = port.kind == .dir ? "write it with a trailing '/'" : "a directory path ends in '/'"
                reader.error(
                    "'\(key)' of component '\(component.name)' is a \(port.kind.rawValue), but '\(path.value)' names a \(PathKind(of: path.value).rawValue) (\(hint))",
                    at: path.mark)
            }
        }
        var inputs: [String] = []
        var outputs: [String] = []
        var metrics: [String] = []
        var contracts: [String: DataContract] = [:]
        for (section, ports) in [("input", component.inputs), ("output", component.outputs)] {
            for port in ports {
                guard let path = with[port.name.value]?.value ?? port.defaultPath?.value else {
                    reader.error(
                        "\(what) does not bind \(section) '\(port.name.value)' of component '\(component.name)', which has no default; add it under 'with'",
                        at: step.name.mark)
                    continue
                }
                bindings["\(section)s.\(port.name.value)"] = path
                if let contract = port.contract { contracts[path] = contract }
                if section == "input" { inputs.append(path) } else { outputs.append(path) }
                if port.metrics { metrics.append(path) }
            }
        }
        var values = component.params
        for (key, value) in params.sorted(by: { $0.key < $1.key }) {
            guard let declared = component.params[key] else {
                reader.error(
                    "component '\(component.name)' has no param '\(key)'\(suggestion(key, among: Array(component.params.keys)))", at: value.mark)
                continue
            }
            guard let converted = value.value.converted(toTypeOf: declared) else {
                reader.error(
                    "param '\(key)' of component '\(component.name)' must be \(declared.typeName), not \(value.value.typeName)", at: value.mark)
                continue
            }
            values[key] = converted
        }
        for (name, value) in ParamValue.map(values).leaves(prefix: "params") { bindings[name] = value.description }
        guard let run = component.run, let command = try? CommandTemplate(run.value) else { return nil }
        return ResolvedStep(
            name: step.name.value, dependencies: dependencies(of: step), command: command,
            inputs: inputs + (component.source == nil ? component.files.map(\.value) : []), outputs: outputs, metrics: metrics,
            plots: step.plots.map(\.value), resources: step.resources, isolation: isolation(of: step), component: component.name,
            bindings: bindings, contracts: contracts, pinned: component.source.map { PinnedComponent(source: $0, entries: component.sourceEntries) })
    }

    /// The step's contracts by path, each on one of its inputs or outputs or a file under a
    /// directory one (a `dir` contract on a directory itself).
    private func contracts(of step: Step, reading inputs: [String], writing outputs: [String]) -> [String: DataContract] {
        var found: [String: DataContract] = [:]
        for (path, contract) in step.contracts {
            let declared = (inputs + outputs).contains {
                $0 == path.value || ($0.hasSuffix("/") && path.value.hasPrefix($0)) || $0 == path.value + "/"
            }
            guard declared else {
                reader.error(
                    "the contract of '\(path.value)' in step '\(step.name.value)' names none of its inputs or outputs; "
                        + "add it to them, or write it under a directory one", at: path.mark)
                continue
            }
            if case .directory = contract, !(inputs + outputs).contains(path.value + "/") && !path.value.hasSuffix("/") {
                reader.error("a 'dir' contract is on a directory: write '\(path.value)/' as in the step's inputs or outputs", at: path.mark)
                continue
            }
            found[path.value] = contract
        }
        return found
    }

    /// Where one step writes a path under a contract and another reads it under one, the two
    /// agree: the same format, and every column the reader wants written, of its type (an
    /// `int` column satisfies a `float` one).
    private func checkContracts(_ steps: [ResolvedStep]) {
        let marks = Dictionary(recipe.steps.map { ($0.name.value, $0.name.mark) }) { first, _ in first }
        for reader in steps {
            for (path, wanted) in reader.contracts.sorted(by: { $0.key < $1.key }) where reader.inputs.contains(path) {
                guard let writer = steps.first(where: { $0.outputs.contains(path) }), let given = writer.contracts[path],
                    let problem = Self.incompatibility(given: given, wanted: wanted)
                else { continue }
                self.reader.error(
                    "step '\(reader.name)' reads '\(path)' under a contract that the contract of step '\(writer.name)' does not satisfy: \(problem); "
                        + "make the two agree", at: marks[reader.name] ?? nil)
            }
        }
    }

    /// Why data written under `given` may break `wanted`; `nil` when it cannot.
    private static func incompatibility(given: DataContract, wanted: DataContract) -> String? {
        switch (given, wanted) {
        case (.table(let separator, let columns), .table(let wantedSeparator, let wantedColumns)):
            guard separator == wantedSeparator else { return "one is csv, the other tsv" }
            for column in wantedColumns {
                guard let written = columns.first(where: { $0.name == column.name }) else {
                    return "column '\(column.name)' is not among the columns written (\(columns.map(\.name).joined(separator: ", ")))"
                }
                if written.type != column.type, column.type != "string", !(written.type == "int" && column.type == "float") {
                    return "column '\(column.name)' is written as \(written.type), read as \(column.type)"
                }
            }
            return nil
        case (.document, .document), (.array, .array), (.directory, .directory): return nil
        default: return "the formats differ"
        }
    }

    /// Each plot is an output of the step, or a file under one of its directory outputs, of
    /// a kind the dashboard can show.
    private func checkPlots(of step: Step, writing outputs: [String]) {
        for plot in step.plots {
            let what = "plot '\(plot.value)' of step '\(step.name.value)'"
            if !outputs.contains(where: { $0 == plot.value || ($0.hasSuffix("/") && plot.value.hasPrefix($0)) }) {
                reader.error("\(what) is not one of its outputs; add it to 'outputs' (or write it under a directory output)", at: plot.mark)
            } else if PlotKind(path: plot.value) == nil {
                reader.error("\(what) is of no kind the dashboard shows; use \(PlotKind.extensions)", at: plot.mark)
            }
        }
    }

    /// The command template of `run`; a malformed one is reported.
    private func template(_ run: Located<String>) -> CommandTemplate? {
        do {
            return try CommandTemplate(run.value)
        } catch {
            reader.error(error.description, at: run.mark)
            return nil
        }
    }

    /// Every placeholder of the step names something it can have.
    private func checkPlaceholders(of resolved: ResolvedStep, declared step: Step?) {
        guard resolved.bindings == nil, let step, case .run(let run) = step.action else { return }
        let known = Pipeline(recipe: recipe, steps: []).placeholderValues(
            for: resolved, seed: 0, runID: "", runDirectory: "",
            assets: Dictionary(uniqueKeysWithValues: recipe.assets.map { ($0.name.value, "") }))
        for name in resolved.command.placeholders where known[name] == nil {
            let hint = suggestion(name, among: Array(known.keys), quoted: { "{{\($0)}}" })
            reader.error("unknown placeholder '{{\(name)}}' in step '\(resolved.name)'\(hint)", at: run.mark)
        }
    }

    // MARK: The DAG

    /// A step's `needs`, less itself: `checkNeeds` reports that on its own.
    private func dependencies(of step: Step) -> [String] {
        step.needs.map(\.value).filter { $0 != step.name.value }
    }

    /// Every `needs` names a step, no output is written twice, and the steps form no cycle.
    private func checkNeeds() {
        let names = Set(recipe.steps.map(\.name.value))
        for step in recipe.steps {
            for need in step.needs {
                if need.value == step.name.value {
                    reader.error("step '\(need.value)' cannot need itself", at: need.mark)
                } else if !names.contains(need.value) {
                    reader.error(
                        "step '\(step.name.value)' needs unknown step '\(need.value)'\(suggestion(need.value, among: Array(names)))", at: need.mark)
                }
            }
        }
    }

    /// Two steps may not write the same path, and a step may not read what it writes.
    private func checkOutputs() {
        // Every output in the index first, then each judged against those of the steps
        // before its own in file order: the index sorts once.
        var written = PathIndex<(order: Int, stepIndex: Int, step: String, path: Located<String>)>()
        var all: [(order: Int, stepIndex: Int, step: Step, path: Located<String>)] = []
        for (stepIndex, step) in recipe.steps.enumerated() {
            for output in step.outputs + step.metrics {
                written.insert(output.value, (all.count, stepIndex, step.name.value, output))
                all.append((all.count, stepIndex, step, output))
            }
        }
        for (_, stepIndex, step, output) in all {
            let earlier = written.overlapping(output.value).filter { $0.stepIndex < stepIndex }.min { $0.order < $1.order }
            if let earlier {
                let line = earlier.path.mark.map { " (line \($0.line))" } ?? ""
                reader.error(
                    "output '\(output.value)' of step '\(step.name.value)' overlaps output '\(earlier.path.value)' of step '\(earlier.step)'\(line); each path has one producer",
                    at: output.mark)
            }
            if let input = step.inputs.first(where: { RepositoryPath.overlap($0.value, output.value) }) {
                reader.error(
                    "step '\(step.name.value)' both reads '\(input.value)' and writes '\(output.value)'; write to a new path instead", at: output.mark
                )
            }
        }
    }

    /// Adds an edge from every step that writes a path to every other step that reads it.
    private func withDataEdges(_ steps: [ResolvedStep]) -> [ResolvedStep] {
        var producers = PathIndex<String>()
        for step in steps { for output in step.outputs { producers.insert(output, step.name) } }
        return steps.map { step in
            var step = step
            var known = Set(step.dependencies)
            for input in step.inputs {
                for producer in producers.overlapping(input) where producer != step.name && known.insert(producer).inserted {
                    step.dependencies.append(producer)
                }
            }
            return step
        }
    }

    /// A topological order that keeps file order where dependencies allow: each time, the
    /// first step in file order whose dependencies are done (a heap of ready steps, so a
    /// hundred thousand steps order in linear-logarithmic time). Each cycle is reported once,
    /// naming its steps, and then treated as done so the rest can be ordered.
    private func order(_ steps: [ResolvedStep]) -> [ResolvedStep] {
        let position = Dictionary(steps.enumerated().map { ($1.name, $0) }) { first, _ in first }
        var waiting = steps.map { Set($0.dependencies.filter { position[$0] != nil }).count }
        var dependents = [[Int]](repeating: [], count: steps.count)
        for (index, step) in steps.enumerated() {
            for dependency in Set(step.dependencies) { if let producer = position[dependency] { dependents[producer].append(index) } }
        }
        var ready = MinHeap(steps.indices.filter { waiting[$0] == 0 })
        var done = [Bool](repeating: false, count: steps.count)
        var doneCount = 0
        var ordered: [ResolvedStep] = []
        func finish(_ index: Int) {
            done[index] = true
            doneCount += 1
            for dependent in dependents[index] {
                waiting[dependent] -= 1
                if waiting[dependent] == 0 && !done[dependent] { ready.push(dependent) }
            }
        }
        while doneCount < steps.count {
            if let next = ready.pop() {
                guard !done[next] else { continue }
                ordered.append(steps[next])
                finish(next)
                continue
            }
            let cycle = findCycle(in: steps.indices.filter { !done[$0] }.map { steps[$0] })
            let mark = recipe.steps.first { $0.name.value == cycle[0] }?.name.mark
            reader.error(
                "dependency cycle: \(cycle.joined(separator: " → ")); a step waits for the steps in its 'needs' and for those that write its inputs",
                at: mark)
            for name in Set(cycle) { if let index = position[name], !done[index] { finish(index) } }
        }
        return ordered
    }

    /// Follows unmet dependencies from the first stuck step until a name repeats.
    private func findCycle(in stuck: [ResolvedStep]) -> [String] {
        let byName = Dictionary(uniqueKeysWithValues: stuck.map { ($0.name, $0) })
        var step = stuck[0]
        var path = [step.name]
        // A stuck step always waits on another stuck step, so the walk ends in a repeat.
        while let next = step.dependencies.first(where: { byName[$0] != nil }), let waitedOn = byName[next] {
            if let start = path.firstIndex(of: next) {
                return (path[start...] + [next]).reversed()
            }
            path.append(next)
            step = waitedOn
        }
        return path
    }
}

extension ParamValue {
    /// This value as the type of `declared`, where an integer may stand for a number.
    func converted(toTypeOf declared: ParamValue) -> ParamValue? {
        switch (declared, self) {
        case (.float, .int(let value)): .float(Double(value))
        case (.int, .int), (.float, .float), (.bool, .bool), (.string, .string), (.list, .list), (.map, .map): self
        default: nil
        }
    }
}

/// The smallest of a set of integers, first: which ready step comes first in file order.
private struct MinHeap {
    /// The heap, smallest first.
    private var items: [Int] = []

    init(_ initial: [Int]) {
        for item in initial { push(item) }
    }

    mutating func push(_ item: Int) {
        items.append(item)
        var child = items.count - 1
        while child > 0, items[(child - 1) / 2] > items[child] {
            items.swapAt(child, (child - 1) / 2)
            child = (child - 1) / 2
        }
    }

    mutating func pop() -> Int? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let smallest = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var least = parent
            if left < items.count, items[left] < items[least] { least = left }
            if right < items.count, items[right] < items[least] { least = right }
            guard least != parent else { return smallest }
            items.swapAt(parent, least)
            parent = least
        }
    }
}
