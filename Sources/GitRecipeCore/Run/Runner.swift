import Foundation

/// Runs a recipe from a clean commit with a fresh lock, step by step, and records each run
/// as a YAML document in the note on that commit (DESIGN §2 Provenance, §4, §6).
public final class Runner {
    let repository: Repository
    let pipeline: Pipeline
    private let locker: Locker
    private let files: any ProjectFiles
    let interruption: Interruption

    public convenience init(repository: Repository, pipeline: Pipeline, locker: Locker, files: any ProjectFiles) {
        self.init(repository: repository, pipeline: pipeline, locker: locker, files: files, interruption: .install())
    }

    init(repository: Repository, pipeline: Pipeline, locker: Locker, files: any ProjectFiles, interruption: Interruption) {
        self.repository = repository
        self.pipeline = pipeline
        self.locker = locker
        self.files = files
        self.interruption = interruption
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
        // Before any step runs: a lock nobody holds any more would keep the record out of
        // the note (it would go to the journal), and every later run with it.
        if let lock = repository.lingeringLock(of: Repository.notesRef) { throw RunRefusal.notesLocked(path: lock.path, age: lock.age) }
        RunJournal(repository: repository).flush(warn: Terminal.warning)
        try DeclaredOutputs(root: repository.workTree, paths: pipeline.steps.flatMap(\.outputs)).checkNoSymlinks()
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

    /// Where a run keeps its logs: in the common git directory, so that every worktree
    /// (and a reproduction's temporary one) finds them.
    private func runDirectory(_ id: String) -> String { "\(RunLogs.directory(in: repository))/\(id)" }

    /// How one run ended.
    public struct Outcome: Sendable {
        public let id: String
        public let status: RunStatus
        public let seconds: Double
        public let metrics: [String: Double]
        /// For a reproduction that ran to the end, how it compares with the original.
        public let verdict: Verdict?
    }

    /// What every step of one run shares.
    struct Context {
        let id: String
        let directory: String
        let seed: Int
        let settings: RunSettings
        let environment: [String: String]
        let assets: [String: String]
        let before: RepositoryFingerprint

        func logFile(of step: ResolvedStep) -> String { "\(directory)/\(step.name).log" }
    }

    /// What a run's steps did, whichever executor ran them.
    struct StepResults {
        var status = RunStatus.succeeded
        var steps: [CanonicalYAML] = []
        var outputs: [String: MeasuredOutput] = [:]
        var metrics: [String: Double] = [:]
        /// The manifest's `executor` entry.
        var executor: CanonicalYAML = .ordered([("kind", .string("local"))])
    }

    /// Runs every step once with `seed`, locally or as batch jobs on `cluster`, then records
    /// the run. A failed step stops the steps that depend on it; Ctrl-C stops the running
    /// step (or cancels the jobs) and records the run as cancelled. A reproduction of
    /// `original` records which run it re-ran and, if it succeeded, its verdict.
    public func run(
        _ settings: RunSettings, seed: Int, sweep: String?, preflight: Preflight, on cluster: SlurmCluster? = nil,
        reproducing original: Reproduction? = nil
    ) throws -> Outcome {
        let id = RunID.make()
        let directory = runDirectory(id)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let paramsFile = "\(directory)/params.yaml"
        // Not Data.write, which fsyncs: a scratch file for the steps, rebuilt on every run.
        guard FileManager.default.createFile(atPath: paramsFile, contents: Data(CanonicalYAML.map(settings.params.mapValues(CanonicalYAML.init)).rendered().utf8)) else {
            throw FileWriteError(path: paramsFile, reason: "cannot create it")
        }
        let started = Date()
        let assets = try locker.assetLocations(of: pipeline.recipe)
        var environment = ProcessInfo.processInfo.environment
        // Steps find the repository from their working directory, as in a plain shell: what
        // git exported to us names our checkout, which for a reproduction is not theirs.
        for name in Repository.locationVariables { environment[name] = nil }
        environment.merge(pipeline.recipe.environment.vars) { _, recipe in recipe }
        environment["RECIPE_SEED"] = String(seed)
        environment["RECIPE_RUN_ID"] = id
        environment["RECIPE_PARAMS"] = paramsFile
        for (name, value) in ParamValue.map(settings.params).leaves(prefix: "") {
            environment["RECIPE_PARAM_" + name.dropFirst().uppercased().replacingOccurrences(of: ".", with: "_")] = value.description
        }
        let context = Context(id: id, directory: directory, seed: seed, settings: settings, environment: environment,
                              assets: assets.mapValues(\.path), before: try repository.fingerprint())
        let results = try cluster.map { try runOnSlurm($0, context) } ?? runLocally(context)
        let finished = Date()
        let verdict = results.status == .succeeded ? original?.judge(outputs: results.outputs, metrics: results.metrics) : nil
        var reproduction: [(key: String, value: CanonicalYAML)] = []
        if let original {
            reproduction.append(("reproduces", .string(original.run)))
            if let verdict {
                reproduction.append(("verdict", .string(verdict.tier.rawValue)))
                if verdict.tier != .exact { reproduction.append(("differences", verdict.differences)) }
            }
        }
        let manifest = try Manifest(
            id: id, pipeline: pipeline, status: results.status, preflight: preflight, started: started, finished: finished,
            identity: repository.identity(), seed: seed, settings: settings, sweep: sweep, executor: results.executor,
            environment: environment, assets: assets.mapValues(\.from), steps: results.steps, outputs: results.outputs,
            metrics: results.metrics, extra: reproduction)
        let placement = try RunJournal(repository: repository).record(manifest.rendered, id: id, on: preflight.commit.commit, warn: Terminal.warning)
        if case .journal(let path, let reason) = placement {
            Terminal.warning("run \(id) could not be added to \(Repository.notesRef) (\(reason)); its record is kept in \(path) "
                             + "and will be added by the next git recipe run, reproduce, pull or push; log and show list it meanwhile")
        }
        return Outcome(id: id, status: results.status, seconds: finished.timeIntervalSince(started), metrics: results.metrics, verdict: verdict)
    }

    /// The command `step` runs in this run.
    func command(of step: ResolvedStep, in context: Context) throws -> String {
        let values = pipeline.placeholderValues(for: step, seed: context.seed, runID: context.id, runDirectory: context.directory,
                                                assets: context.assets, params: context.settings.params)
        return try step.command.render { values[$0] }
    }

    /// The local executor: each step a child process, one after another.
    private func runLocally(_ context: Context) throws -> StepResults {
        var results = StepResults()
        var stopped: Set<String> = []
        for step in pipeline.steps {
            if interruption.isRequested { results.status = .cancelled; break }
            if step.dependencies.contains(where: stopped.contains) {
                stopped.insert(step.name)
                results.steps.append(Self.skipped(step))
                continue
            }
            let record = try execute(step, command: try command(of: step, in: context), context: context, results: &results)
            results.steps.append(record.yaml)
            if interruption.isRequested { results.status = .cancelled; break }
            if let problem = record.problem {
                Terminal.error("step '\(step.name)' failed: \(problem)")
                stopped.insert(step.name)
                results.status = .failed
            }
        }
        return results
    }

    /// The record of a step that did not run because a step it needs failed.
    static func skipped(_ step: ResolvedStep) -> CanonicalYAML {
        .ordered([("name", .string(step.name)), ("skipped", .string("a step it needs failed"))])
    }

    /// One step: its process, then the checks of DESIGN invariant 3, its outputs' digests
    /// and its metrics. `problem` says why it failed, if it did.
    private func execute(
        _ step: ResolvedStep, command: String, context: Context, results: inout StepResults
    ) throws -> (yaml: CanonicalYAML, problem: String?) {
        let logFile = context.logFile(of: step)
        FileManager.default.createFile(atPath: logFile, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logFile) else { throw FileWriteError(path: logFile, reason: "cannot create it") }
        try recordStart(of: step.name, in: context.directory)
        defer { try? log.close() }
        let started = Date()
        do {
            try DeclaredOutputs(root: repository.workTree, paths: step.outputs).remove()
        } catch {
            return (Self.stepRecord(step, command: command, exit: -1, started: started, seconds: 0, log: logFile, problem: error.description),
                    error.description)
        }
        let process = try StepProcess.start(command, in: repository.workTree, environment: context.environment, log: log)
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
            problem = try check(step, before: context.before, results: &results)
        }
        return (Self.stepRecord(step, command: command, exit: exit, started: started, seconds: seconds, log: logFile, problem: problem), problem)
    }

    /// A step's entry in the manifest; `extra` adds executor-specific fields.
    static func stepRecord(
        _ step: ResolvedStep, command: String, exit: Int32, started: Date, seconds: Double, log: String, problem: String?,
        extra: [(key: String, value: CanonicalYAML)] = []
    ) -> CanonicalYAML {
        var fields: [(key: String, value: CanonicalYAML)] = [
            ("name", .string(step.name)),
            ("command", .string(command)),
            ("exit", .int(Int(exit))),
            ("started", .string(RunID.timestamp(started))),
            ("seconds", .float((seconds * 1000).rounded() / 1000)),
            ("log", .string((try? FileHasher().digest(ofFile: log).description) ?? "")),
        ] + extra
        if let resources = step.resources {
            // Recorded whichever executor ran the step; only slurm enforces them.
            let given: [(key: String, value: CanonicalYAML)] = [
                ("cpus", resources.cpus.map(CanonicalYAML.int)), ("gpus", resources.gpus.map(CanonicalYAML.int)),
                ("memory", resources.memory.map(CanonicalYAML.string)), ("time", resources.time.map(CanonicalYAML.string)),
            ].compactMap { key, value in value.map { (key, $0) } }
            fields.append(("resources", .ordered(given)))
        }
        if let problem { fields.append(("error", .string(problem))) }
        return .ordered(fields)
    }

    /// Appends the step to the run's list of steps in the order they started, which `logs` reads.
    func recordStart(of step: String, in directory: String) throws {
        let path = "\(directory)/\(RunLogs.order)"
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let list = FileHandle(forWritingAtPath: path) else { throw FileWriteError(path: path, reason: "cannot open it") }
        defer { try? list.close() }
        try list.seekToEnd()
        try list.write(contentsOf: Data("\(step)\n".utf8))
    }

    /// After a step: its outputs exist, the tree is still clean, HEAD, index and refs are
    /// untouched; then its outputs are hashed and its metrics read.
    func check(_ step: ResolvedStep, before: RepositoryFingerprint, results: inout StepResults) throws -> String? {
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
        do {
            try DeclaredOutputs(root: root, paths: step.outputs).checkNoSymlinks()
            // One pass: a directory's listing comes from the hashing of its digest.
            for (path, measured) in zip(step.outputs, try locker.measure(step.outputs)) {
                results.outputs[path] = measured
            }
        } catch {
            return String(describing: error).replacingOccurrences(of: root + "/", with: "")
        }
        for file in step.metrics {
            do {
                results.metrics.merge(try Metrics.read("\(root)/\(file)")) { _, new in new }
            } catch {
                return error.description.replacingOccurrences(of: root + "/", with: "")
            }
        }
        return nil
    }

}

/// An output as a run left it: as hashed, a directory with each file under it.
typealias MeasuredOutput = TreeHasher.Measured

extension MeasuredOutput {
    /// The manifest's entry: digest, bytes, and a directory's `files`.
    var yaml: CanonicalYAML {
        var fields: [(key: String, value: CanonicalYAML)] = [("digest", .string(digest.description)), ("bytes", .int(Int(bytes)))]
        if !files.isEmpty {
            fields.append(("files", .map(Dictionary(files.map { file in
                (file.path, CanonicalYAML.ordered([("digest", .string(file.digest.description)), ("bytes", .int(Int(file.bytes)))]))
            }) { first, _ in first })))
        }
        return .ordered(fields)
    }

    /// Digests by path: the output's own, and for a directory (whose path ends in `/`) each
    /// file's as `DIR/FILE`, as `outputAndFileDigests` reads them back from a manifest.
    static func digests(_ outputs: [String: MeasuredOutput]) -> [String: String] {
        var digests: [String: String] = [:]
        for (path, output) in outputs {
            digests[path] = output.digest.description
            for file in output.files { digests[path + file.path] = file.digest.description }
        }
        return digests
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
    /// The notes ref's lock file has been there longer than any writer holds it.
    case notesLocked(path: String, age: Int)

    public var exitStatus: ExitStatus { .checkFailed }

    public var description: String {
        switch self {
        case .notClean(let problems):
            return "runs start only from a clean commit, and this working tree is not one:\n"
                + problems.map { "  \($0)\n" }.joined()
                + "commit the changes (git add -A && git commit), or stash them (git stash -u); outputs belong in .gitignore"
        case .notesLocked(let path, let age):
            return "\(path) has existed for \(age) s: a git or git-recipe process that was killed while recording a run left it, "
                + "and no run can be recorded while it is there. If no git or git-recipe process is running in this repository, "
                + "remove it: rm '\(path)'"
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

    static func warning(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}
