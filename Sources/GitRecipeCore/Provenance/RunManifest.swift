import Foundation

/// One run's provenance document (docs/reference.md, Run record): what the runner records and
/// what every reader decodes. Rendered in the field order the spec shows, each mapping's keys
/// sorted, so the same run always gives the same bytes; decoded leniently, so a manifest
/// written by an earlier release, edited by hand or missing optional fields still reads.
public struct RunManifest: Equatable, Sendable {
    /// The `schema` line of every manifest git-recipe writes.
    static let schema = "git-recipe/run/v1"

    /// The run's id: its UTC start time and random hex.
    public var id: String
    /// The recipe it ran.
    public var recipe: String
    /// How it ended.
    public var status: RunStatus
    /// The commit the run ran on, and its tree.
    public var commit: String
    /// The tree of `commit`.
    public var tree: String
    /// The digest of the lock the run ran with.
    public var lock: String
    /// UTC timestamps as recorded (`2026-11-22T10:15:00Z`).
    public var started: String
    /// When it finished.
    public var finished: String
    /// Who ran it.
    public var user: User
    /// The seed it ran with.
    public var seed: Int?
    /// Every parameter as the steps saw it, and those `-p` set.
    public var params: [String: ParamValue]
    /// The params `-p` set.
    var overrides: [String: ParamValue]
    /// Where its steps ran.
    public var executor: Executor
    /// The machine it ran on.
    public var host: Host
    /// What recorded it.
    var tool: Tool
    /// Its environment as locked and as seen.
    public var environment: Environment
    /// Each pinned input's digest, by path.
    public var inputs: [String: String]
    /// Each asset's digest and source, by name.
    var assets: [String: Asset]
    /// Each component source pinned by commit that steps used: where it is fetched from, the
    /// commit, and the digests of the files of it the steps needed, by name.
    var components: [String: ComponentSource] = [:]
    /// Each step in the order it was planned.
    public var steps: [Step]
    /// Each declared output as the run left it, by path.
    public var outputs: [String: Output]
    /// Metrics flattened to dotted names.
    public var metrics: [String: Double]
    /// The sweep the run belongs to, if it was one seed of several (or a grid point's).
    public var sweep: String?
    /// The grid the run belongs to: its sweep is one point of it (`--grid`, `grid:`).
    public var grid: String?
    /// For a reproduction: the run it re-ran, and how it compares when it ran to the end.
    public var reproduces: String?
    /// A reproduction's verdict: how it compares with the run it re-ran.
    public var verdict: Verdict.Tier?
    /// What a reproduction found different, unless it was exact.
    var differences: Differences?

    /// Who ran it, from git's configuration.
    public struct User: Equatable, Sendable {
        /// `user.name`.
        public var name: String
        /// `user.email`.
        public var email: String
    }

    /// Where the steps ran: `local`, or `slurm` with the cluster and each step's job id.
    public struct Executor: Equatable, Sendable {
        /// `local` or `slurm`.
        var kind: String
        /// The Slurm cluster's name.
        public var cluster: String?
        /// Each step's job id, by step.
        var jobs: [String: String]

        /// Steps ran on this machine.
        public static let local = Executor(kind: "local", cluster: nil, jobs: [:])
    }

    /// The machine the run ran on.
    public struct Host: Equatable, Sendable {
        /// The host name.
        public var name: String
        /// The operating system's name.
        var os: String
        /// The kernel release.
        var kernel: String
        /// The machine architecture.
        var arch: String
        /// The CPU model.
        var cpu: String
        /// Active cores.
        var cores: Int
        /// Bytes of memory.
        var memory: Int
        /// `name, driver, memory` per GPU.
        var gpus: [String]
    }

    /// The versions of git-recipe and libgit2 that recorded the run.
    struct Tool: Equatable, Sendable {
        /// git-recipe's version.
        public var version: String
        /// libgit2's version.
        var libgit2: String
    }

    /// The environment as locked, and what of it this run saw.
    public struct Environment: Equatable, Sendable {
        /// Each probe's output, by name.
        public var probes: [String: String]
        /// Each environment file's digest, by path; `nil` where a manifest does not say.
        public var files: [String: String]?
        /// The container image, pinned by digest, when the recipe names one.
        var image: String?
        /// The variables recorded (`RecordedEnvironment`).
        var vars: [String: String]
        /// Probe outputs that differed from the lock, accepted with `--allow-drift`.
        public var drift: [String]
    }

    /// An asset's digest, and whether it came from its `url` or its `path`.
    struct Asset: Equatable, Sendable {
        /// The asset's digest.
        public var digest: String
        /// `url` when it came from the asset store, `path` when from its path.
        public var from: String
    }

    /// A component source as a run used it.
    struct ComponentSource: Equatable, Sendable {
        /// Where it is fetched from.
        var url: String
        /// The commit, 40 hex digits.
        var commit: String
        /// The digest of each file the steps needed, by path in the source.
        var files: [String: String]
    }

    /// One step as it ran, or why it did not.
    public struct Step: Equatable, Sendable {
        /// The step's name in the recipe.
        public var name: String
        /// The command after substitution; `nil` for a skipped step.
        public var command: String?
        /// Its exit status.
        public var exit: Int?
        /// When it started (a batch job: when it was submitted).
        public var started: String?
        /// Seconds it ran.
        public var seconds: Double?
        /// The digest of its log.
        public var log: String?
        /// The step cache's key for the step (`StepCache`); `nil` for one not cacheable.
        public var key: String?
        /// For a step restored from the cache instead of run: the run and step it came from.
        public var cached: Cached?
        /// Slurm's job id and final state, for a step run as a batch job.
        public var job: String?
        /// Slurm's final state for the job.
        public var state: String?
        /// What it asked for.
        var resources: Resources?
        /// What it used, where the executor measured it.
        public var usage: Usage?
        /// Where it ran when not on the host as it is: in an image, or sandboxed.
        public var isolation: Isolation?
        /// The plots it declared: paths of its outputs, or of files under them.
        public var plots: [String] = []
        /// The experiment trackers' runs it made (MLflow, W&B), which point back at this run.
        public var trackers: [TrackerRun] = []
        /// Why it failed.
        public var error: String?
        /// Why it did not run.
        public var skipped: String?

        /// When it ended, UTC to the second (its start plus its seconds, rounded up); `nil`
        /// when it did not run.
        var finished: String? {
            started.flatMap(RunRecord.epochSeconds).map {
                RunID.timestamp(Date(timeIntervalSince1970: Double($0) + (seconds ?? 0).rounded(.up)))
            }
        }

        /// A step that did not run, because a step it needs failed or `reason`.
        public static func skipped(_ name: String, because reason: String = "a step it needs failed") -> Step {
            Step(name: name, skipped: reason)
        }
    }

    /// A run an experiment tracker made during a step.
    public struct TrackerRun: Equatable, Sendable {
        /// `mlflow` or `wandb`.
        public var tool: String
        /// The tracker's run id.
        public var run: String
        /// MLflow's experiment id.
        public var experiment: String?
        /// Where the run is: MLflow's tracking URI (or `mlruns`), W&B's `online` or `offline`.
        public var location: String?

        /// Its manifest entry.
        var yaml: CanonicalYAML {
            var fields: [(key: String, value: CanonicalYAML)] = [("tool", .string(tool)), ("run", .string(run))]
            if let experiment { fields.append(("experiment", .string(experiment))) }
            if let location { fields.append(("location", .string(location))) }
            return .ordered(fields)
        }

        /// A tracker run as a manifest recorded it.
        init?(_ value: ManifestValue) {
            guard let tool = value["tool"]?.scalarText, let run = value["run"]?.scalarText else { return nil }
            self.init(tool: tool, run: run, experiment: value["experiment"]?.scalarText, location: value["location"]?.scalarText)
        }

        /// A tracker run.
        init(tool: String, run: String, experiment: String?, location: String?) {
            self.tool = tool
            self.run = run
            self.experiment = experiment
            self.location = location
        }
    }

    /// Where a cached step's outputs came from.
    public struct Cached: Equatable, Sendable {
        /// The run that made them.
        public var run: String
        /// Its step that made them.
        public var step: String
    }

    /// What a step's process used: CPU time and peak memory.
    public struct Usage: Equatable, Sendable {
        /// User and system CPU time of the step and everything it waited for, in seconds.
        public var cpuSeconds: Double
        /// Peak resident memory of its largest process, in bytes.
        public var peakMemory: Int

        /// A process's usage as recorded: CPU time to the millisecond.
        init(_ usage: ResourceUsage) {
            cpuSeconds = (usage.cpuSeconds * 1000).rounded() / 1000
            peakMemory = usage.peakMemory
        }

        /// Usage as a manifest recorded it.
        init(cpuSeconds: Double, peakMemory: Int) {
            self.cpuSeconds = cpuSeconds
            self.peakMemory = peakMemory
        }
    }

    /// Where a step ran: inside a container image — the engine's version, the
    /// image as the recipe names it and the id the engine ran — or sandboxed under
    /// bubblewrap; and whether it had the network.
    public struct Isolation: Equatable, Sendable {
        /// The engine's version line: `podman version 4.3.1`, `bubblewrap 0.8.0`.
        public var engine: String
        /// The image, `NAME@sha256:…`; `nil` for a sandbox.
        public var image: String?
        /// The id of the image that ran, from the engine (`sha256:…`), where it keeps one.
        public var imageID: String?
        /// Whether the step could use the network.
        public var network: Bool
    }

    /// A step's requested resources, recorded whichever executor ran it.
    struct Resources: Equatable, Sendable {
        /// Cores.
        var cpus: Int?
        /// GPUs.
        var gpus: Int?
        /// Memory, as written: `8G`.
        var memory: String?
        /// Time limit, as written: `01:00:00`.
        var time: String?
    }

    /// An output's digest and size; a directory's (path ending in `/`) each file's too, by
    /// its path below the directory.
    public struct Output: Equatable, Sendable {
        /// The output's digest (a directory's covers every file under it).
        public var digest: String
        /// Its size in bytes.
        var bytes: Int
        /// A directory's files, by path below it.
        public var files: [String: File]

        /// One file of a directory output.
        public struct File: Equatable, Sendable {
            /// The file's digest.
            public var digest: String
            /// The file's size in bytes.
            var bytes: Int
        }
    }

    /// What a reproduction found different: each output and each metric, with both sides.
    struct Differences: Equatable, Sendable {
        /// The outputs whose digests differ.
        public var outputs: [Verdict.Output]
        /// The metrics that differ.
        public var metrics: [Verdict.Metric]
    }
}

// MARK: - Derived facts

extension RunManifest.Output {
    /// The files this output at `path` consists of, each with its path in the work tree and
    /// its digest: a directory output (`path` ends in `/`) is its files, a file is itself.
    /// What the store keeps and `checkout` restores.
    public func files(at path: String) -> [(path: String, digest: String)] {
        path.hasSuffix("/") ? files.byKeyBytes.map { (path + $0.key, $0.value.digest) } : [(path, digest)]
    }
}

extension RunManifest {
    /// The objects the store needs for every output of the run.
    public var storedObjects: Set<ContentDigest> {
        Set(outputs.flatMap { path, output in output.files(at: path).compactMap { ContentDigest($0.digest) } })
    }

    /// The outputs' digests by path, in recorded order.
    var outputDigests: [(path: String, digest: String)] {
        outputs.byKeyBytes.map { ($0.key, $0.value.digest) }
    }

    /// The outputs' digests, then each file of a directory output as `DIR/FILE` (directory
    /// outputs end in `/`): what a comparison of two runs compares, naming the files that differ.
    var outputAndFileDigests: [(path: String, digest: String)] { Self.outputAndFileDigests(outputs) }

    /// `outputAndFileDigests` of `outputs`.
    static func outputAndFileDigests(_ outputs: [String: Output]) -> [(path: String, digest: String)] {
        let sorted = outputs.byKeyBytes
        return sorted.map { ($0.key, $0.value.digest) }
            + sorted.flatMap { path, output in
                output.files.byKeyBytes.map { (path + $0.key, $0.value.digest) }
            }
    }

    /// The sections renderers show whole, as `key=value` leaves.
    enum Section: Sendable {
        case params, overrides, environment, probes, host, inputs
    }

    /// A section as a value tree, its keys in recorded order.
    func section(_ section: Section) -> ManifestValue {
        switch section {
        case .params: ManifestValue(.map(params.mapValues(CanonicalYAML.init)))
        case .overrides: ManifestValue(.map(overrides.mapValues(CanonicalYAML.init)))
        case .environment: ManifestValue(environment.yaml)
        case .probes: ManifestValue(.map(environment.probes.mapValues(CanonicalYAML.string)))
        case .host: ManifestValue(host.yaml)
        case .inputs: ManifestValue(.map(inputs.mapValues(CanonicalYAML.string)))
        }
    }
}

extension RunManifest.Output {
    /// The entry of an output as hashed.
    init(_ measured: TreeHasher.Measured) {
        self.init(
            digest: measured.digest.description, bytes: Int(measured.bytes),
            files: Dictionary(
                measured.files.map { ($0.path, File(digest: $0.digest.description, bytes: Int($0.bytes))) }
            ) { first, _ in first })
    }
}

// MARK: - Rendering

extension RunManifest {
    /// The document as recorded in the note (without the `---` line).
    var rendered: String { yaml.rendered() }

    /// The document as a value tree, for renderers that show a section whole.
    var value: ManifestValue { ManifestValue(yaml) }

    /// The manifest as canonical YAML, in the spec's field order.
    var yaml: CanonicalYAML {
        var fields: [(key: String, value: CanonicalYAML)] = [
            ("schema", .string(Self.schema)),
            ("id", .string(id)),
            ("recipe", .string(recipe)),
            ("status", .string(status.rawValue)),
            ("commit", .string(commit)),
            ("tree", .string(tree)),
            ("lock", .string(lock)),
            ("started", .string(started)),
            ("finished", .string(finished)),
            ("user", .ordered([("name", .string(user.name)), ("email", .string(user.email))])),
        ]
        if let seed { fields.append(("seed", .int(seed))) }
        fields += [
            ("params", .map(params.mapValues(CanonicalYAML.init))),
            ("overrides", .map(overrides.mapValues(CanonicalYAML.init))),
            ("executor", executor.yaml),
            ("host", host.yaml),
            ("tool", .ordered([("version", .string(tool.version)), ("libgit2", .string(tool.libgit2))])),
            ("environment", environment.yaml),
            ("inputs", .map(inputs.mapValues(CanonicalYAML.string))),
            ("assets", .map(assets.mapValues { .ordered([("digest", .string($0.digest)), ("from", .string($0.from))]) })),
        ]
        // Only when a step used one: every other record keeps the bytes it had.
        if !components.isEmpty {
            fields.append(
                (
                    "components",
                    .map(
                        components.mapValues {
                            .ordered([
                                ("url", .string($0.url)), ("commit", .string($0.commit)), ("files", .map($0.files.mapValues(CanonicalYAML.string))),
                            ])
                        })
                ))
        }
        fields += [
            ("steps", .list(steps.map(\.yaml))),
            ("outputs", .map(outputs.mapValues(\.yaml))),
            ("metrics", .map(metrics.mapValues(CanonicalYAML.float))),
        ]
        if let sweep { fields.append(("sweep", .string(sweep))) }
        if let grid { fields.append(("grid", .string(grid))) }
        if let reproduces { fields.append(("reproduces", .string(reproduces))) }
        if let verdict { fields.append(("verdict", .string(verdict.rawValue))) }
        if let differences { fields.append(("differences", differences.yaml)) }
        return .ordered(fields)
    }
}

extension RunManifest.Executor {
    /// The `executor` entry.
    var yaml: CanonicalYAML {
        var fields: [(key: String, value: CanonicalYAML)] = [("kind", .string(kind))]
        if let cluster { fields.append(("cluster", .string(cluster))) }
        if kind != "local" || !jobs.isEmpty { fields.append(("jobs", .map(jobs.mapValues(CanonicalYAML.string)))) }
        return .ordered(fields)
    }
}

extension RunManifest.Host {
    /// The `host` entry.
    var yaml: CanonicalYAML {
        .ordered([
            ("name", .string(name)), ("os", .string(os)), ("kernel", .string(kernel)), ("arch", .string(arch)),
            ("cpu", .string(cpu)), ("cores", .int(cores)), ("memory", .int(memory)), ("gpus", .list(gpus.map(CanonicalYAML.string))),
        ])
    }
}

extension RunManifest.Environment {
    /// The `environment` entry.
    var yaml: CanonicalYAML {
        .ordered(
            [
                ("probes", .map(probes.mapValues(CanonicalYAML.string)))
            ] + (files.map { [("files", CanonicalYAML.map($0.mapValues(CanonicalYAML.string)))] } ?? [])
                + (image.map { [("image", CanonicalYAML.string($0))] } ?? []) + [
                    ("vars", .map(vars.mapValues(CanonicalYAML.string))),
                    ("drift", .list(drift.map(CanonicalYAML.string))),
                ])
    }
}

extension RunManifest.Step {
    /// One entry of `steps`.
    var yaml: CanonicalYAML {
        if let skipped { return .ordered([("name", .string(name)), ("skipped", .string(skipped))]) }
        var fields: [(key: String, value: CanonicalYAML)] = [("name", .string(name))]
        if let command { fields.append(("command", .string(command))) }
        if let exit { fields.append(("exit", .int(exit))) }
        if let started { fields.append(("started", .string(started))) }
        if let seconds { fields.append(("seconds", .float(seconds))) }
        if let log { fields.append(("log", .string(log))) }
        if let key { fields.append(("key", .string(key))) }
        if let cached { fields.append(("cached", .ordered([("run", .string(cached.run)), ("step", .string(cached.step))]))) }
        if let job { fields.append(("job", .string(job))) }
        if let state { fields.append(("state", .string(state))) }
        if let resources {
            let given: [(key: String, value: CanonicalYAML?)] = [
                ("cpus", resources.cpus.map(CanonicalYAML.int)), ("gpus", resources.gpus.map(CanonicalYAML.int)),
                ("memory", resources.memory.map(CanonicalYAML.string)), ("time", resources.time.map(CanonicalYAML.string)),
            ]
            fields.append(("resources", .ordered(given.compactMap { key, value in value.map { (key, $0) } })))
        }
        if let usage {
            fields.append(("usage", .ordered([("cpu_seconds", .float(usage.cpuSeconds)), ("peak_memory_bytes", .int(usage.peakMemory))])))
        }
        if let isolation {
            var entries: [(key: String, value: CanonicalYAML)] = [("engine", .string(isolation.engine))]
            if let image = isolation.image { entries.append(("image", .string(image))) }
            if let id = isolation.imageID { entries.append(("image_id", .string(id))) }
            entries.append(("network", .bool(isolation.network)))
            fields.append(("isolation", .ordered(entries)))
        }
        if !plots.isEmpty { fields.append(("plots", .list(plots.map(CanonicalYAML.string)))) }
        if !trackers.isEmpty { fields.append(("trackers", .list(trackers.map(\.yaml)))) }
        if let error { fields.append(("error", .string(error))) }
        return .ordered(fields)
    }
}

extension RunManifest.Output {
    /// One entry of `outputs`.
    var yaml: CanonicalYAML {
        var fields: [(key: String, value: CanonicalYAML)] = [("digest", .string(digest)), ("bytes", .int(bytes))]
        if !files.isEmpty {
            fields.append(("files", .map(files.mapValues { .ordered([("digest", .string($0.digest)), ("bytes", .int($0.bytes))]) })))
        }
        return .ordered(fields)
    }
}

extension RunManifest.Differences {
    /// The `differences` entry.
    var yaml: CanonicalYAML {
        func value(_ digest: String?) -> CanonicalYAML { digest.map(CanonicalYAML.string) ?? .string("absent") }
        func value(_ number: Double?) -> CanonicalYAML { number.map(CanonicalYAML.float) ?? .string("absent") }
        return .ordered([
            (
                "outputs",
                .map(
                    Dictionary(
                        outputs.map {
                            ($0.path, CanonicalYAML.ordered([("run", value($0.run)), ("reproduction", value($0.reproduction))]))
                        }
                    ) { first, _ in first })
            ),
            (
                "metrics",
                .map(
                    Dictionary(
                        metrics.map {
                            (
                                $0.name,
                                CanonicalYAML.ordered([
                                    ("run", value($0.run)), ("reproduction", value($0.reproduction)), ("tolerance", .float($0.tolerance)),
                                ])
                            )
                        }
                    ) { first, _ in first })
            ),
        ])
    }
}

// MARK: - Decoding

extension RunManifest {
    /// Reads a manifest document. Fields a reader needs to know the run by (`id`, `recipe`,
    /// `status`, `commit`) are required; any other missing or mistyped field reads as empty.
    public init(decoding document: String) throws(ManifestError) {
        let root: ManifestValue
        do {
            root = try ManifestValue(yaml: document)
        } catch {
            throw ManifestError(problem: "it is not YAML (\(error))")
        }
        try self.init(root)
    }

    /// Reads only the top-level `sections` of a manifest document, with the fields the run is
    /// known by; every other field reads as empty. A table of hundreds of runs that shows their
    /// params and steps need not decode their hosts, environments, inputs and outputs. A
    /// document whose layout ``sections(_:of:)`` cannot follow is read whole.
    public init(decoding document: String, sections: Set<String>) throws(ManifestError) {
        try self.init(decoding: Self.sections(sections.union(Self.identity), of: document) ?? document)
    }

    /// The fields a run is known by, kept in every partial read.
    private static let identity: Set<String> = ["id", "recipe", "status", "commit"]

    /// The lines of `document` under the top-level keys in `keys`: a line at the left margin
    /// opens a section (`key:` or `key: value`), and indented lines and list items at the
    /// margin belong to the section above them. `nil` when a line at the margin is none of
    /// these, a comment nor a document marker (a quoted or complex key, a flow document).
    /// Works on the text's bytes, comparing keys without making strings: a dashboard cuts
    /// thousands of manifests.
    static func sections(_ keys: Set<String>, of document: String) -> String? {
        var document = document
        let wanted = keys.map { Array($0.utf8) }
        return document.withUTF8 { bytes -> String? in
            var kept: [UInt8] = []
            kept.reserveCapacity(bytes.count / 2)
            var keeping = false
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                start = end + 1
                guard let first = line.first, first != UInt8(ascii: "#") else { continue }
                if line.count == 3, line.elementsEqual("---".utf8) || line.elementsEqual("...".utf8) { continue }
                let item = first == UInt8(ascii: "-") && (line.count == 1 || line[1] == UInt8(ascii: " "))
                if first != UInt8(ascii: " ") && !item {
                    guard !"\"'?{".utf8.contains(first), let colon = line.firstIndex(of: UInt8(ascii: ":")),
                        colon + 1 == line.count || line[colon + 1] == UInt8(ascii: " ")
                    else { return nil }
                    let key = UnsafeBufferPointer(rebasing: line[..<colon])
                    keeping = wanted.contains { $0.elementsEqual(key) }
                }
                if keeping {
                    kept.append(contentsOf: line)
                    kept.append(UInt8(ascii: "\n"))
                }
            }
            return String(decoding: kept, as: UTF8.self)
        }
    }

    /// Reads a manifest from its value tree.
    public init(_ root: ManifestValue) throws(ManifestError) {
        guard case .map = root else { throw ManifestError(problem: "it is not a mapping") }
        func required(_ key: String) throws(ManifestError) -> String {
            guard let text = root[key]?.scalarText else { throw ManifestError(problem: "it has no \(key)") }
            return text
        }
        id = try required("id")
        recipe = try required("recipe")
        let status = try required("status")
        guard let known = RunStatus(rawValue: status) else {
            throw ManifestError(problem: "its status '\(status)' is none of succeeded, failed, cancelled")
        }
        self.status = known
        commit = try required("commit")
        tree = root["tree"]?.scalarText ?? ""
        lock = root["lock"]?.scalarText ?? ""
        started = root["started"]?.scalarText ?? ""
        finished = root["finished"]?.scalarText ?? ""
        let user = root["user"]
        self.user = User(name: user?["name"]?.scalarText ?? "", email: user?["email"]?.scalarText ?? "")
        seed = root["seed"]?.intValue
        params = root["params"]?.params ?? [:]
        overrides = root["overrides"]?.params ?? [:]
        let executor = root["executor"]
        self.executor = Executor(
            kind: executor?["kind"]?.scalarText ?? "local", cluster: executor?["cluster"]?.scalarText,
            jobs: executor?["jobs"]?.strings ?? [:])
        let host = root["host"]
        self.host = Host(
            name: host?["name"]?.scalarText ?? "", os: host?["os"]?.scalarText ?? "", kernel: host?["kernel"]?.scalarText ?? "",
            arch: host?["arch"]?.scalarText ?? "", cpu: host?["cpu"]?.scalarText ?? "", cores: host?["cores"]?.intValue ?? 0,
            memory: host?["memory"]?.intValue ?? 0, gpus: host?["gpus"]?.items.compactMap(\.scalarText) ?? [])
        tool = Tool(version: root["tool"]?["version"]?.scalarText ?? "", libgit2: root["tool"]?["libgit2"]?.scalarText ?? "")
        let environment = root["environment"]
        self.environment = Environment(
            probes: environment?["probes"]?.strings ?? [:], files: environment?["files"]?.strings,
            image: environment?["image"]?.scalarText, vars: environment?["vars"]?.strings ?? [:],
            drift: environment?["drift"]?.items.compactMap(\.scalarText) ?? [])
        inputs = root["inputs"]?.strings ?? [:]
        assets = (root["assets"]?.entries ?? []).reduce(into: [:]) { assets, entry in
            assets[entry.key] = Asset(digest: entry.value["digest"]?.scalarText ?? "", from: entry.value["from"]?.scalarText ?? "")
        }
        components = (root["components"]?.entries ?? []).reduce(into: [:]) { sources, entry in
            sources[entry.key] = ComponentSource(
                url: entry.value["url"]?.scalarText ?? "", commit: entry.value["commit"]?.scalarText ?? "",
                files: entry.value["files"]?.strings ?? [:])
        }
        steps = (root["steps"]?.items ?? []).map(Step.init)
        outputs = (root["outputs"]?.entries ?? []).reduce(into: [:]) { outputs, entry in
            outputs[entry.key] = Output(
                digest: entry.value["digest"]?.scalarText ?? "", bytes: entry.value["bytes"]?.intValue ?? 0,
                files: (entry.value["files"]?.entries ?? []).reduce(into: [:]) { files, file in
                    files[file.key] = Output.File(digest: file.value["digest"]?.scalarText ?? "", bytes: file.value["bytes"]?.intValue ?? 0)
                })
        }
        metrics = (root["metrics"]?.leaves ?? []).reduce(into: [:]) { metrics, leaf in
            if let number = leaf.value.number { metrics[leaf.path] = number }
        }
        sweep = root["sweep"]?.scalarText
        grid = root["grid"]?.scalarText
        reproduces = root["reproduces"]?.scalarText
        verdict = root["verdict"]?.scalarText.flatMap(Verdict.Tier.init(rawValue:))
        differences = root["differences"].map(Differences.init)
    }
}

extension RunManifest.Step {
    /// A step as a manifest recorded it.
    init(_ value: ManifestValue) {
        let resources = value["resources"].map {
            RunManifest.Resources(
                cpus: $0["cpus"]?.intValue, gpus: $0["gpus"]?.intValue,
                memory: $0["memory"]?.scalarText, time: $0["time"]?.scalarText)
        }
        self.init(
            name: value["name"]?.scalarText ?? "", command: value["command"]?.scalarText, exit: value["exit"]?.intValue,
            started: value["started"]?.scalarText, seconds: value["seconds"]?.number, log: value["log"]?.scalarText,
            key: value["key"]?.scalarText,
            cached: value["cached"].flatMap { cached in
                cached["run"]?.scalarText.map { RunManifest.Cached(run: $0, step: cached["step"]?.scalarText ?? "") }
            },
            job: value["job"]?.scalarText, state: value["state"]?.scalarText, resources: resources,
            usage: value["usage"].flatMap { usage in
                usage["cpu_seconds"]?.number.map { RunManifest.Usage(cpuSeconds: $0, peakMemory: usage["peak_memory_bytes"]?.intValue ?? 0) }
            },
            isolation: value["isolation"].flatMap { isolation in
                isolation["engine"]?.scalarText.map {
                    RunManifest.Isolation(
                        engine: $0, image: isolation["image"]?.scalarText, imageID: isolation["image_id"]?.scalarText,
                        network: isolation["network"]?.scalarText == "true")
                }
            },
            plots: (value["plots"]?.items ?? []).compactMap(\.scalarText),
            trackers: (value["trackers"]?.items ?? []).compactMap(RunManifest.TrackerRun.init),
            error: value["error"]?.scalarText, skipped: value["skipped"]?.scalarText)
    }
}

extension RunManifest.Differences {
    /// The differences as a manifest recorded them.
    init(_ value: ManifestValue) {
        func digest(_ value: ManifestValue?) -> String? { value?.scalarText.flatMap { $0 == "absent" ? nil : $0 } }
        outputs = (value["outputs"]?.entries ?? []).map { entry in
            Verdict.Output(path: entry.key, run: digest(entry.value["run"]), reproduction: digest(entry.value["reproduction"]))
        }
        metrics = (value["metrics"]?.entries ?? []).map { entry in
            Verdict.Metric(
                name: entry.key, run: entry.value["run"]?.number, reproduction: entry.value["reproduction"]?.number,
                tolerance: entry.value["tolerance"]?.number ?? 0)
        }
    }
}

/// A document is not a run manifest git-recipe can read.
public struct ManifestError: Error, CustomStringConvertible, Sendable {
    /// Why the document cannot be read as a run manifest.
    public let problem: String
    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String { "not a run manifest: \(problem)" }
}

extension ManifestValue {
    /// A scalar as text; `nil` for a mapping, a list or null.
    var scalarText: String? {
        switch self {
        case .string(let text): text
        case .int, .float, .bool: text
        default: nil
        }
    }

    /// An integer, or text that reads as one.
    var intValue: Int? {
        switch self {
        case .int(let value): value
        case .string(let text): Int(text)
        default: nil
        }
    }

    /// A list's items; none for anything else.
    var items: [ManifestValue] {
        if case .list(let items) = self { return items }
        return []
    }

    /// A mapping of scalars as text, by key.
    var strings: [String: String] {
        entries.reduce(into: [:]) { result, entry in
            if let text = entry.value.scalarText { result[entry.key] = text }
        }
    }

    /// A mapping of parameters: each value as the typed value it was written as.
    var params: [String: ParamValue] {
        entries.reduce(into: [:]) { result, entry in
            if let value = entry.value.param { result[entry.key] = value }
        }
    }

    /// The value as a typed parameter; `nil` for null.
    var param: ParamValue? {
        switch self {
        case .null: nil
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .float(let value): .float(value)
        case .string(let value): .string(value)
        case .list(let items): .list(items.compactMap(\.param))
        case .map: .map(params)
        }
    }

    /// The value tree of a document git-recipe writes.
    init(_ yaml: CanonicalYAML) {
        switch yaml {
        case .string(let value): self = .string(value)
        case .int(let value): self = .int(value)
        case .float(let value): self = .float(value)
        case .bool(let value): self = .bool(value)
        case .list(let values): self = .list(values.map(ManifestValue.init))
        case .ordered(let pairs): self = .map(pairs.map { Entry($0.key, ManifestValue($0.value)) })
        case .map(let values):
            self = .map(values.byKeyBytes.map { Entry($0.key, ManifestValue($0.value)) })
        }
    }
}
