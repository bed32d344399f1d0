import Yams

/// A training pipeline, `.recipes/NAME.yaml` (docs/reference.md).
public struct Recipe: Sendable {
    /// The file's name without `.yaml`: how commands name the recipe.
    public let name: String
    /// Path of the recipe file, relative to the repository root.
    public let file: String
    /// Its `description`: the question the recipe answers.
    public var summary: String?
    /// Its seed.
    public var seed: Located<Int>?
    /// Its params with their defaults.
    public var params: [String: ParamValue] = [:]
    /// The files its params are read from (`params: {file: …}`); none when it declares them.
    public var paramsFiles: [ParamsFile] = []
    /// Its assets, by name.
    var assets: [Asset] = []
    /// Its environment: files, image, probes, variables.
    public var environment = RecipeEnvironment()
    /// Steps in the order the file lists them (display order only; `needs` and data decide execution).
    public var steps: [Step] = []
    /// The largest absolute difference per metric that `reproduce` accepts as the same result.
    public var tolerance: [String: Double] = [:]
    /// What the recipe's results are claimed to show, judged from the recorded runs.
    public var claims: [Claim] = []
    /// The values `run` tries each param at (`grid:`), by dotted param name in file order,
    /// each value of its param's type: a run is then the grid of every combination.
    public var grid: [(key: String, values: [ParamValue])] = []
}

/// A claim a recipe states: `{metric: M, higher_than: REV[:RECIPE], by: 0.01}`
/// (or `lower_than`), supported when the difference's interval at `confidence` lies beyond
/// `by` in the claimed direction.
public struct Claim: Sendable, Equatable {
    /// Which way the metric is claimed to move.
    public enum Direction: String, Sendable, CaseIterable {
        case higherThan = "higher_than"
        case lowerThan = "lower_than"
    }

    /// The claim's name.
    public let name: String
    /// The metric it is about.
    public let metric: String
    /// Higher or lower.
    public let direction: Direction
    /// The baseline: a revision (its sweep of this recipe with the most seeds), `REV:RECIPE`, a run or a sweep.
    public let baseline: String
    /// The margin the difference must exceed (0: any difference).
    public let by: Double
    /// The interval's confidence level (0.95 unless stated).
    public let confidence: Double
}

/// Data a recipe refers to that does not live in git: a download pinned by digest, or a local path.
struct Asset: Sendable {
    /// Where an asset comes from: a URL pinned by digest, or a path on this machine.
    enum Source: Sendable {
        case url(Located<String>, sha256: Located<String>?)
        case path(Located<String>)
    }

    /// The asset's name, as `{{assets.NAME}}` names it.
    public let name: Located<String>
    /// Where the asset comes from.
    let source: Source
}

/// What a recipe pins about the machine it runs on.
public struct RecipeEnvironment: Sendable {
    /// Files such as requirements.txt, pinned by content.
    public var files: [Located<String>] = []
    /// A container image, which must carry `@sha256:`.
    var image: Located<String>?
    /// Commands whose output is pinned in the lock and compared at run time, by name.
    public var probes: [String: Located<String>] = [:]
    /// Variables set for every step and recorded.
    var vars: [String: String] = [:]
    /// Whether steps without an image run sandboxed (`sandbox: true`), unless a step says otherwise.
    var sandbox = false
}

/// One node of a recipe's DAG.
public struct Step: Sendable {
    /// Either a command of the recipe's own, or a component bound to paths and params.
    enum Action: Sendable {
        case run(Located<String>)
        case uses(Located<String>, with: [String: Located<String>], params: [String: Located<ParamValue>])
    }

    /// The step's name.
    public let name: Located<String>
    /// The steps it needs.
    public var needs: [Located<String>] = []
    /// What the step does: its own command, or a component's.
    var action: Action
    /// The files it reads.
    public var inputs: [Located<String>] = []
    /// The files it writes.
    public var outputs: [Located<String>] = []
    /// Files the step writes whose numbers become the run's metrics; outputs too.
    public var metrics: [Located<String>] = []
    /// Outputs (or files under a directory output) the dashboard shows: images, or series
    /// of numbers drawn as lines.
    public var plots: [Located<String>] = []
    /// What the step asks a scheduler for.
    var resources: Resources?
    /// The image the step runs in instead of the recipe's.
    var image: Located<String>?
    /// Whether it runs sandboxed, overriding the recipe's `environment.sandbox`.
    var sandbox: Located<Bool>?
    /// Whether a step in an image or sandbox may use the network.
    var network = false
    /// What its data files must look like, by path (one of its inputs or outputs, or a file
    /// under a directory one): inputs are checked before it runs, outputs after.
    var contracts: [(path: Located<String>, contract: DataContract)] = []
}

/// What a step asks of the machine; the slurm executor passes these to sbatch.
struct Resources: Equatable, Sendable {
    /// Cores.
    var cpus: Int?
    /// GPUs.
    var gpus: Int?
    /// A Slurm memory size: a number with an optional K, M, G or T suffix.
    var memory: String?
    /// A Slurm time limit: minutes, `HH:MM:SS`, or `D-HH:MM:SS`.
    var time: String?
}

extension Recipe {
    /// The keys an asset may hold.
    static let keys = ["version", "description", "seed", "params", "assets", "environment", "steps", "tolerance", "claims", "grid"]

    /// Reads a recipe from its YAML, recording every problem in `reader`.
    /// A params file it names is read through `files`.
    static func read(_ node: Node, name: String, reader: YAMLReader, files: any ProjectFiles, seedPolicy: ProjectConfig.Level) -> Recipe? {
        guard let fields = reader.fields(node, of: "the recipe", allowed: keys) else { return nil }
        reader.version(fields)
        var recipe = Recipe(name: name, file: reader.file)
        recipe.summary = fields["description"].flatMap { reader.string($0, "description")?.value }
        if let seed = fields["seed"] {
            recipe.seed = reader.int(seed, "seed")
        } else {
            reader.report(seedPolicy, "recipe '\(name)' has no seed; add 'seed: 42' (or any integer) so runs are repeatable", at: node.position)
        }
        if let params = fields["params"] {
            if ParamsFile.isReference(params) {
                recipe.paramsFiles = ParamsFile.read(params, reader: reader, files: files)
                recipe.params = recipe.paramsFiles.reduce(into: [:]) { $0.merge($1.values) { first, _ in first } }
            } else {
                recipe.params = reader.params(params, "params") ?? [:]
            }
        }
        recipe.assets = fields["assets"].map { readAssets($0, reader) } ?? []
        recipe.environment = fields["environment"].map { RecipeEnvironment.read($0, reader) } ?? RecipeEnvironment()
        if let steps = fields["steps"] {
            recipe.steps = (reader.mapping(steps, of: "steps") ?? []).compactMap { Step.read($1, name: $0, reader: reader) }
            if recipe.steps.isEmpty, steps.mapping?.isEmpty == true { reader.error("steps must list at least one step", at: steps) }
        } else {
            reader.error("the recipe has no 'steps'; add at least one step with a 'run' command", at: node)
        }
        if let tolerance = fields["tolerance"] {
            for (metric, value) in reader.mapping(tolerance, of: "tolerance") ?? [] {
                guard let number = reader.number(value, "tolerance '\(metric.value)'") else { continue }
                guard number >= 0 else {
                    reader.error("tolerance '\(metric.value)' must not be negative", at: value)
                    continue
                }
                recipe.tolerance[metric.value] = number
            }
        }
        recipe.claims = fields["claims"].map { readClaims($0, reader) } ?? []
        recipe.grid = fields["grid"].map { readGrid($0, params: recipe.params, reader) } ?? []
        return recipe
    }

    /// Reads `grid`: each key a declared param (dotted for a nested one), each value a
    /// non-empty list of values of that param's type.
    private static func readGrid(_ node: Node, params: [String: ParamValue], _ reader: YAMLReader) -> [(key: String, values: [ParamValue])] {
        let declared = ParamValue.map(params).leaves(prefix: "").reduce(into: [:]) { $0[String($1.key.dropFirst())] = $1.value }
        return (reader.mapping(node, of: "grid") ?? []).compactMap { key, value in
            guard let type = declared[key.value] else {
                reader.error(
                    "grid names '\(key.value)', which is not a param; params: \(declared.keys.sorted().joined(separator: ", "))", at: key.mark)
                return nil
            }
            guard case .sequence(let items) = value, !items.isEmpty else {
                reader.error("grid '\(key.value)' must be a non-empty list of values, like [0.01, 0.1]", at: value)
                return nil
            }
            var values: [ParamValue] = []
            for item in items {
                guard let read = reader.param(item, "a value of grid '\(key.value)'") else { continue }
                guard let converted = read.converted(toTypeOf: type) else {
                    reader.error("grid '\(key.value)' holds \(read.description), but the param is \(type.typeName)", at: item)
                    continue
                }
                values.append(converted)
            }
            return values.count == items.count ? (key.value, values) : nil
        }
    }

    /// Reads `claims`: each a metric, exactly one of `higher_than` / `lower_than`, and
    /// optionally `by` (≥ 0) and `confidence` (between 0 and 1).
    private static func readClaims(_ node: Node, _ reader: YAMLReader) -> [Claim] {
        (reader.mapping(node, of: "claims") ?? []).compactMap { name, value in
            let what = "claim '\(name.value)'"
            let allowed = ["metric", "higher_than", "lower_than", "by", "confidence"]
            guard let fields = reader.fields(value, of: what, allowed: allowed) else { return nil }
            let metric = fields["metric"].flatMap { reader.string($0, "metric of \(what)") }
            if fields["metric"] == nil { reader.error("\(what) names no metric; add 'metric: NAME'", at: value) }
            let directions = Claim.Direction.allCases.compactMap { direction in
                fields[direction.rawValue].map { (direction, reader.scalarText($0, "\(direction.rawValue) of \(what)")) }
            }
            guard directions.count == 1 else {
                reader.error("\(what) needs exactly one of higher_than or lower_than (a revision, REV:RECIPE, a run or a sweep)", at: value)
                return nil
            }
            let by = fields["by"].flatMap { reader.number($0, "by of \(what)") } ?? 0
            if by < 0, let node = fields["by"] { reader.error("by of \(what) must not be negative", at: node) }
            let confidence = fields["confidence"].flatMap { reader.number($0, "confidence of \(what)") } ?? 0.95
            if !(confidence > 0 && confidence < 1), let node = fields["confidence"] {
                reader.error("confidence of \(what) must be between 0 and 1 (0.95 for a 95% interval)", at: node)
            }
            guard let metric, let baseline = directions[0].1, by >= 0, confidence > 0 && confidence < 1 else { return nil }
            return Claim(name: name.value, metric: metric.value, direction: directions[0].0, baseline: baseline, by: by, confidence: confidence)
        }
    }

    /// Reads `assets`: each a URL with its digest, or a path.
    private static func readAssets(_ node: Node, _ reader: YAMLReader) -> [Asset] {
        (reader.mapping(node, of: "assets") ?? []).compactMap { name, value in
            let what = "asset '\(name.value)'"
            guard let fields = reader.fields(value, of: what, allowed: ["url", "sha256", "path"]) else { return nil }
            let url = fields["url"].flatMap { reader.string($0, "url of \(what)") }
            let path = fields["path"].flatMap { reader.string($0, "path of \(what)") }
            // A digest is text even when YAML would read it as a number: no quotes needed.
            let sha256 = fields["sha256"].flatMap { node in reader.scalarText(node, "sha256 of \(what)").map { Located($0, at: node.position) } }
            switch (url, path) {
            case (let url?, nil):
                if sha256 == nil { reader.error("\(what) has a url but no sha256; pin it with sha256: <64 hex digits>", at: value) }
                return Asset(name: name, source: .url(url, sha256: sha256))
            case (nil, let path?):
                if let sha256 { reader.error("\(what) is a path; its digest goes in the lock, not in 'sha256'", at: sha256.mark) }
                return Asset(name: name, source: .path(path))
            case (.some, .some):
                reader.error("\(what) has both 'url' and 'path'; give one", at: value)
            case (nil, nil):
                reader.error("\(what) needs 'url' (with 'sha256') or 'path'", at: value)
            }
            return nil
        }
    }
}

extension RecipeEnvironment {
    /// Reads an asset, reporting every problem to `reader`.
    static func read(_ node: Node, _ reader: YAMLReader) -> RecipeEnvironment {
        var environment = RecipeEnvironment()
        guard let fields = reader.fields(node, of: "environment", allowed: ["files", "image", "probes", "vars", "sandbox"]) else {
            return environment
        }
        environment.files = fields["files"].map { reader.strings($0, "environment.files") } ?? []
        environment.image = fields["image"].flatMap { reader.string($0, "environment.image") }
        environment.sandbox = fields["sandbox"].flatMap { reader.bool($0, "environment.sandbox") } ?? false
        for pair in fields["probes"].map({ reader.stringMap($0, "environment.probes") }) ?? [] {
            environment.probes[pair.key.value] = pair.value
        }
        for (name, value) in fields["vars"].flatMap({ reader.mapping($0, of: "environment.vars") }) ?? [] {
            if name.value.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) == nil {
                reader.error("'\(name.value)' is not a valid environment variable name", at: name.mark)
            }
            environment.vars[name.value] = reader.scalarText(value, "environment variable '\(name.value)'")
        }
        return environment
    }
}

extension Step {
    /// The keys a step may hold.
    static let keys = [
        "needs", "run", "uses", "with", "params", "inputs", "outputs", "metrics", "plots", "resources", "image", "sandbox", "network",
        "contracts",
    ]

    /// Reads a step, reporting every problem to `reader`.
    static func read(_ node: Node, name: Located<String>, reader: YAMLReader) -> Step? {
        let what = "step '\(name.value)'"
        if !name.value.isIdentifier {
            reader.error("'\(name.value)' is not a valid step name; use letters, digits, _ and -", at: name.mark)
        }
        guard let fields = reader.fields(node, of: what, allowed: keys) else { return nil }
        let needs = fields["needs"].map { reader.strings($0, "needs of \(what)") } ?? []
        let inputs = fields["inputs"].map { reader.strings($0, "inputs of \(what)") } ?? []
        let outputs = fields["outputs"].map { reader.strings($0, "outputs of \(what)") } ?? []
        let metrics = fields["metrics"].map { reader.strings($0, "metrics of \(what)") } ?? []
        let plots = fields["plots"].map { reader.strings($0, "plots of \(what)") } ?? []
        let resources = fields["resources"].flatMap { Resources.read($0, of: what, reader) }
        guard let action = readAction(fields, of: what, reader) else { return nil }
        var step = Step(
            name: name, needs: needs, action: action, inputs: inputs, outputs: outputs, metrics: metrics, plots: plots, resources: resources)
        step.image = fields["image"].flatMap { reader.string($0, "image of \(what)") }
        step.sandbox = fields["sandbox"].flatMap { node in reader.bool(node, "sandbox of \(what)").map { Located($0, at: node.position) } }
        step.network = fields["network"].flatMap { reader.bool($0, "network of \(what)") } ?? false
        step.contracts = (fields["contracts"].flatMap { reader.mapping($0, of: "contracts of \(what)") } ?? []).compactMap { path, node in
            DataContract.read(node, of: "the contract of '\(path.value)' in \(what)", reader: reader).map { (path, $0) }
        }
        return step
    }

    /// `run`, or `uses` with its `with` and `params`: exactly one of the two.
    private static func readAction(_ fields: Fields, of what: String, _ reader: YAMLReader) -> Action? {
        switch (fields["run"], fields["uses"]) {
        case (let run?, nil):
            for key in ["with", "params"] {
                if let node = fields[key] { reader.error("'\(key)' binds a component; \(what) has 'run', not 'uses'", at: node) }
            }
            return reader.string(run, "run of \(what)").map(Action.run)
        case (nil, let uses?):
            guard let component = reader.string(uses, "uses of \(what)") else { return nil }
            for key in ["inputs", "outputs"] {
                if let node = fields[key] {
                    reader.error("\(what) uses component '\(component.value)', which declares its \(key); bind them in 'with'", at: node)
                }
            }
            if let metrics = fields["metrics"] {
                reader.error(
                    "\(what) uses component '\(component.value)': a component's metrics are its outputs marked 'metrics: true' "
                        + "in .recipes/components/\(component.value).yaml; mark the output there and bind it in 'with'", at: metrics)
            }
            var bindings: [String: Located<String>] = [:]
            for pair in fields["with"].map({ reader.stringMap($0, "with of \(what)") }) ?? [] {
                bindings[pair.key.value] = Located(pair.value.value, at: pair.key.mark)
            }
            var params: [String: Located<ParamValue>] = [:]
            for (key, value) in fields["params"].flatMap({ reader.mapping($0, of: "params of \(what)") }) ?? [] {
                if let param = reader.param(value, "param '\(key.value)'") { params[key.value] = Located(param, at: key.mark) }
            }
            return .uses(component, with: bindings, params: params)
        case (.some, .some):
            reader.error("\(what) has both 'run' and 'uses'; give one", at: fields.node)
        case (nil, nil):
            reader.error("\(what) needs 'run' (a command) or 'uses' (a component)", at: fields.node)
        }
        return nil
    }
}

extension Resources {
    /// Reads `resources`, reporting every problem to `reader`.
    static func read(_ node: Node, of what: String, _ reader: YAMLReader) -> Resources? {
        guard let fields = reader.fields(node, of: "resources of \(what)", allowed: ["cpus", "gpus", "memory", "time"]) else {
            return nil
        }
        var resources = Resources()
        resources.cpus = fields["cpus"].flatMap { count($0, "cpus", minimum: 1, reader) }
        resources.gpus = fields["gpus"].flatMap { count($0, "gpus", minimum: 0, reader) }
        if let node = fields["memory"], let memory = reader.scalarText(node, "memory") {
            if memory.wholeMatch(of: /[0-9]+[KMGT]?/) != nil {
                resources.memory = memory
            } else {
                reader.error("memory '\(memory)' is not a size; write a number with K, M, G or T, like 8G", at: node)
            }
        }
        if let node = fields["time"], let time = reader.scalarText(node, "time") {
            if time.wholeMatch(of: /([0-9]+-)?[0-9]+(:[0-5][0-9]){0,2}/) != nil {
                resources.time = time
            } else {
                reader.error("time '\(time)' is not a time limit; write minutes, HH:MM:SS or D-HH:MM:SS, like \"01:00:00\"", at: node)
            }
        }
        return resources
    }

    /// An integer of at least `minimum`, or an error.
    private static func count(_ node: Node, _ what: String, minimum: Int, _ reader: YAMLReader) -> Int? {
        guard let value = reader.int(node, what) else { return nil }
        guard value.value >= minimum else {
            reader.error("\(what) must be at least \(minimum)", at: node)
            return nil
        }
        return value.value
    }
}

extension YAMLReader {
    /// Checks `version: 1`, which every file of ours starts with.
    func version(_ fields: Fields) {
        guard let node = fields["version"] else {
            error("missing 'version: 1' at the top of the file", at: fields.node)
            return
        }
        if let version = int(node, "version"), version.value != 1 {
            error("version \(version.value) is not supported; this git-recipe reads version 1", at: node)
        }
    }

    /// A scalar written as a number or a string (`memory: 8G`, `time: 60`), as text.
    func scalarText(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, node.tagName != .null else {
            error("\(what) must be a single value, not \(node.kindName)", at: node)
            return nil
        }
        return scalar.string
    }
}
