import Foundation

/// Runs a recipe from a clean commit with a fresh lock, step by step, and records each run
/// as a YAML document in the note on that commit (DESIGN §2 Provenance, §4, §6).
public final class Runner {
    private let repository: Repository
    private let pipeline: Pipeline
    private let locker: Locker
    private let files: any ProjectFiles
    private let interruption: Interruption

    public init(repository: Repository, pipeline: Pipeline, locker: Locker, files: any ProjectFiles) {
        self.repository = repository
        self.pipeline = pipeline
        self.locker = locker
        self.files = files
        interruption = Interruption.install()
    }

    /// What a run depends on, checked before anything runs.
    public struct Preflight: Sendable {
        public let commit: CommitRef
        public let lock: Lockfile
        /// Probe outputs that differ from the lock, accepted with `--allow-drift`.
        public let drift: [LockChange]
    }

    /// Invariants 1 and 2: a clean commit, and a lock fresh for it and for the inputs on
    /// disk. Probe drift refuses too, unless `allowDrift`.
    public func preflight(allowDrift: Bool) throws -> Preflight {
        let name = pipeline.recipe.name
        let cleanliness = try repository.cleanliness()
        guard cleanliness.isClean, let commit = try repository.head() else {
            throw RunRefusal.notClean(cleanliness.problems)
        }
        let lock = try locker.lock(pipeline)
        switch try locker.state(of: name, against: lock, files: files) {
        case .fresh:
            return Preflight(commit: commit, lock: lock, drift: [])
        case .stale(let changes) where allowDrift && changes.allSatisfy(\.isProbe):
            return Preflight(commit: commit, lock: lock, drift: changes)
        case .stale(let changes):
            throw RunRefusal.staleLock(recipe: name, changes: changes)
        case .missing:
            throw RunRefusal.staleLock(recipe: name, changes: [])
        case .untrusted(let error):
            throw error
        }
    }

    /// The commands each step would run with `settings` and `seed`, in order.
    public func plan(_ settings: RunSettings, seed: Int, runID: String = "RUN_ID") throws -> [(step: String, command: String)] {
        let assets = try locker.assetLocations(of: pipeline.recipe).mapValues(\.path)
        return try pipeline.steps.map { step in
            let values = pipeline.placeholderValues(
                for: step, seed: seed, runID: runID, runDirectory: runDirectory(runID), assets: assets, params: settings.params)
            return (step.name, try step.command.render { values[$0] })
        }
    }

    private func runDirectory(_ id: String) -> String { "\(repository.gitDirectory)/recipes/runs/\(id)" }

    /// How one run ended.
    public struct Outcome: Sendable {
        public let id: String
        public let status: RunStatus
        public let seconds: Double
        public let metrics: [String: Double]
    }

    /// Runs every step once with `seed`, then records the run. A failed step stops the steps
    /// that depend on it; Ctrl-C stops the running step and records the run as cancelled.
    public func run(_ settings: RunSettings, seed: Int, sweep: String?, preflight: Preflight) throws -> Outcome {
        let id = RunID.make()
        let directory = runDirectory(id)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let paramsFile = "\(directory)/params.yaml"
        try Data(CanonicalYAML.map(settings.params.mapValues(CanonicalYAML.init)).rendered().utf8).write(to: URL(fileURLWithPath: paramsFile))
        let started = Date()
        let before = try repository.fingerprint()
        let assets = try locker.assetLocations(of: pipeline.recipe)
        var environment = ProcessInfo.processInfo.environment
        environment.merge(pipeline.recipe.environment.vars) { _, recipe in recipe }
        environment["RECIPE_SEED"] = String(seed)
        environment["RECIPE_RUN_ID"] = id
        environment["RECIPE_PARAMS"] = paramsFile
        for (name, value) in ParamValue.map(settings.params).leaves(prefix: "") {
            environment["RECIPE_PARAM_" + name.dropFirst().uppercased().replacingOccurrences(of: ".", with: "_")] = value.description
        }

        var status = RunStatus.succeeded
        var stopped: Set<String> = []
        var steps: [CanonicalYAML] = []
        var outputs: [String: CanonicalYAML] = [:]
        var metrics: [String: Double] = [:]
        for step in pipeline.steps {
            if interruption.isRequested { status = .cancelled; break }
            if step.dependencies.contains(where: stopped.contains) {
                stopped.insert(step.name)
                steps.append(.ordered([("name", .string(step.name)), ("skipped", .string("a step it needs failed"))]))
                continue
            }
            let values = pipeline.placeholderValues(
                for: step, seed: seed, runID: id, runDirectory: directory, assets: assets.mapValues(\.path), params: settings.params)
            let command = try step.command.render { values[$0] }
            let record = try execute(step, command: command, environment: environment, logFile: "\(directory)/\(step.name).log",
                                     before: before, outputs: &outputs, metrics: &metrics)
            steps.append(record.yaml)
            if interruption.isRequested { status = .cancelled; break }
            if let problem = record.problem {
                Terminal.error("step '\(step.name)' failed: \(problem)")
                stopped.insert(step.name)
                status = .failed
            }
        }
        let finished = Date()
        let manifest = try Manifest(
            id: id, pipeline: pipeline, status: status, preflight: preflight, started: started, finished: finished,
            identity: repository.identity(), seed: seed, settings: settings, sweep: sweep,
            environment: environment, assets: assets.mapValues(\.from), steps: steps, outputs: outputs, metrics: metrics)
        try record(manifest.rendered, id: id, on: preflight.commit.commit)
        return Outcome(id: id, status: status, seconds: finished.timeIntervalSince(started), metrics: metrics)
    }

    /// One step: its process, then the checks of DESIGN invariant 3, its outputs' digests
    /// and its metrics. `problem` says why it failed, if it did.
    private func execute(
        _ step: ResolvedStep, command: String, environment: [String: String], logFile: String,
        before: RepositoryFingerprint, outputs: inout [String: CanonicalYAML], metrics: inout [String: Double]
    ) throws -> (yaml: CanonicalYAML, problem: String?) {
        FileManager.default.createFile(atPath: logFile, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logFile) else { throw FileWriteError(path: logFile, reason: "cannot create it") }
        try recordStart(of: step.name, in: (logFile as NSString).deletingLastPathComponent)
        defer { try? log.close() }
        let started = Date()
        let process = try StepProcess.start(command, in: repository.workTree, environment: environment, log: log)
        interruption.running(process)
        let exit = process.wait()
        interruption.running(nil)
        let seconds = Date().timeIntervalSince(started)

        var problem: String?
        if interruption.isRequested {
            problem = "interrupted"
        } else if exit != 0 {
            problem = "its command exited with status \(exit) (log: git recipe logs \(RunID.of(logFile)) \(step.name))"
        } else {
            problem = try check(step, before: before, outputs: &outputs, metrics: &metrics)
        }
        var fields: [(key: String, value: CanonicalYAML)] = [
            ("name", .string(step.name)),
            ("command", .string(command)),
            ("exit", .int(Int(exit))),
            ("started", .string(RunID.timestamp(started))),
            ("seconds", .float((seconds * 1000).rounded() / 1000)),
            ("log", .string((try? FileHasher().digest(ofFile: logFile).description) ?? "")),
        ]
        if let problem { fields.append(("error", .string(problem))) }
        return (.ordered(fields), problem)
    }

    /// Appends the step to the run's list of steps in the order they started, which `logs` reads.
    private func recordStart(of step: String, in directory: String) throws {
        let path = "\(directory)/\(RunLogs.order)"
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let list = FileHandle(forWritingAtPath: path) else { throw FileWriteError(path: path, reason: "cannot open it") }
        defer { try? list.close() }
        try list.seekToEnd()
        try list.write(contentsOf: Data("\(step)\n".utf8))
    }

    /// After a step: its outputs exist, the tree is still clean, HEAD, index and refs are
    /// untouched; then its outputs are hashed and its metrics read.
    private func check(
        _ step: ResolvedStep, before: RepositoryFingerprint, outputs: inout [String: CanonicalYAML], metrics: inout [String: Double]
    ) throws -> String? {
        let root = repository.workTree
        let missing = step.outputs.filter { !FileManager.default.fileExists(atPath: "\(root)/\($0)") }
        if !missing.isEmpty {
            return "it did not write its declared output\(missing.count == 1 ? "" : "s") " + missing.map { "'\($0)'" }.joined(separator: ", ")
        }
        let cleanliness = try repository.cleanliness()
        if !cleanliness.dirtyPaths.isEmpty {
            return "it changed the working tree outside its declared outputs (\(cleanliness.dirtyPaths.map(\.description).joined(separator: ", "))); "
                + "declare what it writes as outputs and ignore them in .gitignore"
        }
        let changes = try repository.fingerprint().changes(since: before)
        if !changes.isEmpty {
            return "it changed the repository: \(changes.joined(separator: "; ")); a step may not commit, stage or move refs"
        }
        let measured: [(digest: ContentDigest, bytes: Int64)]
        do {
            measured = try locker.measure(step.outputs)
        } catch {
            return error.description.replacingOccurrences(of: root + "/", with: "")
        }
        for (path, value) in zip(step.outputs, measured) {
            outputs[path] = .ordered([("digest", .string(value.digest.description)), ("bytes", .int(Int(value.bytes)))])
        }
        for file in step.metrics {
            do {
                metrics.merge(try Metrics.read("\(root)/\(file)")) { _, new in new }
            } catch {
                return error.description.replacingOccurrences(of: root + "/", with: "")
            }
        }
        return nil
    }

    /// Appends the run's document to the note on `commit`, by compare-and-swap.
    private func record(_ document: String, id: String, on commit: ObjectID) throws {
        try repository.updateNote(on: commit, message: "git-recipe: record run \(id)") { current in
            var note = RunNote(parsing: current)
            note.add(id: id, text: document)
            return note.rendered
        }
    }
}

/// How a run ended.
public enum RunStatus: String, Sendable {
    case succeeded, failed, cancelled
}

/// Why a run did not start.
public enum RunRefusal: RecipeError, Equatable {
    case notClean([String])
    case staleLock(recipe: String, changes: [LockChange])

    public var exitStatus: ExitStatus { .checkFailed }

    public var description: String {
        switch self {
        case .notClean(let problems):
            return "runs start only from a clean commit, and this working tree is not one:\n"
                + problems.map { "  \($0)\n" }.joined()
                + "commit the changes (git add -A && git commit), or stash them (git stash -u); outputs belong in .gitignore"
        case .staleLock(let recipe, let changes):
            let fix = "git recipe lock \(recipe) && git add \(Lockfile.path(for: recipe)) && git commit"
            if changes.isEmpty { return "recipe '\(recipe)' has no lock; run: \(fix)" }
            let probesOnly = changes.allSatisfy(\.isProbe)
            return "the lock of '\(recipe)' is stale:\n" + changes.map { "  \($0)\n" }.joined()
                + (probesOnly ? "only probes drifted: this machine differs from the locked one; record that with --allow-drift, or run: \(fix)"
                              : "run: \(fix)")
        }
    }
}

/// Run ids: UTC time and random hex, so they sort by time and do not collide.
enum RunID {
    static func make() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date()) + "-" + String(format: "%08x", UInt32.random(in: 0...UInt32.max))
    }

    /// ISO 8601 in UTC to the second: `2026-11-22T10:15:00Z`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// The run id in a path under `.git/recipes/runs/`.
    static func of(_ path: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
    }
}

/// Diagnostics that go to stderr while a run is under way.
enum Terminal {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}
