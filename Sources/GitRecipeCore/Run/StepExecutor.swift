import Foundation

/// Where a run's steps execute: on this machine, as many at once as `-j` allows (`LocalExecutor`), or as
/// batch jobs on a Slurm cluster (`SlurmExecutor`). An executor runs the steps of a plan,
/// has each judged by `StepChecks` when it ends, and returns what they did; it never records
/// anything (that is `RunRecorder`'s).
public protocol StepExecutor: Sendable {
    /// Runs `plan`'s steps. A failed step stops the steps that depend on it; a requested
    /// interruption stops the running steps and ends the run as cancelled.
    func execute(_ plan: RunPlan, in run: StepRun) throws -> StepResults

    /// How many runs of a sweep may execute at once with this executor.
    var concurrentRuns: Int { get }
}

/// What every step of one run shares while it executes.
public struct StepRun {
    /// The run's plan.
    let plan: RunPlan
    /// The recipe's name, for job names.
    let recipe: String
    /// The repository the steps run in.
    let repository: Repository
    /// The steps' environment (`RECIPE_*` and the recipe's `vars`; docs/reference.md).
    let environment: [String: String]
    /// Where each step runs: on the host, in its image, or sandboxed.
    let isolator: Isolator
    /// The checks each finished step gets.
    let checks: StepChecks
    /// Whether Ctrl-C has arrived.
    let interruption: Interruption
    /// Where the run's events go.
    let events: RunEvents
    /// The step cache; `nil` when the run keeps no outputs (`artifacts.keep: none`).
    let cache: StepCache?
    /// What goes before a step's name on its output lines when runs of a sweep execute at
    /// once (`seed 3 · `); `nil` otherwise.
    var label: String?

    /// Appends `step` to the run's list of steps in the order they started, which `logs` reads.
    func recordStart(of step: String) throws {
        let path = "\(plan.directory)/\(RunLogs.order)"
        guard FileManager.default.fileExists(atPath: path) || FileManager.default.createFile(atPath: path, contents: nil),
            let list = FileHandle(forWritingAtPath: path)
        else { throw FileWriteError(path: path, reason: "cannot open it") }
        defer { try? list.close() }
        try list.seekToEnd()
        try list.write(contentsOf: Data("\(step)\n".utf8))
    }

    /// A step's entry in the manifest: how it ended, and its log's digest.
    func record(
        _ step: ResolvedStep, command: String, exit: Int32, started: Date, seconds: Double, problem: String?,
        job: (id: String, state: String)? = nil, key: ContentDigest? = nil, cached: RunManifest.Cached? = nil,
        isolation: RunManifest.Isolation? = nil
    ) -> RunManifest.Step {
        RunManifest.Step(
            name: step.name, command: command, exit: Int(exit), started: RunID.timestamp(started),
            seconds: (seconds * 1000).rounded() / 1000,
            log: (try? FileHasher().digest(ofFile: plan.logFile(of: step)).description) ?? "",
            key: key?.description, cached: cached, job: job?.id, state: job?.state,
            // Recorded whichever executor ran the step; only slurm enforces them.
            resources: step.resources.map { RunManifest.Resources(cpus: $0.cpus, gpus: $0.gpus, memory: $0.memory, time: $0.time) },
            isolation: isolation, plots: step.plots, error: problem)
    }
}

/// What a run's steps did, whichever executor ran them.
public struct StepResults: Sendable {
    /// How the run ended: `failed` once a step failed, `cancelled` when interrupted.
    public var status = RunStatus.succeeded
    /// Each step's record, in plan order.
    public var steps: [RunManifest.Step] = []
    /// Every step's outputs as hashed, by path.
    var outputs: [String: TreeHasher.Measured] = [:]
    /// Every step's metrics, merged.
    public var metrics: [String: Double] = [:]
    /// The manifest's `executor` entry.
    public var executor = RunManifest.Executor.local

    /// Adds what a step's checks measured.
    mutating func add(_ measured: StepChecks.Measured) {
        outputs.merge(measured.outputs) { _, new in new }
        metrics.merge(measured.metrics) { _, new in new }
    }
}

/// What a run tells the person who started it while it is under way; the command prints it.
public enum RunEvent: Sendable {
    /// Something the user should know that does not stop the run.
    case warning(String)
    /// A step failed; the steps that need it will not run.
    case stepFailed(step: String, problem: String)
    /// A batch job's output, shown when the job has ended.
    case jobOutput(Data)
    /// A run of a sweep has been recorded.
    case finished(Runner.Outcome)
}

/// Where a run's events go.
public typealias RunEvents = @Sendable (RunEvent) -> Void

extension StepRun {
    /// The environment `step` runs with: the run's, and what tells experiment trackers
    /// which recipe run and step they are in (`Trackers`).
    func environment(of step: ResolvedStep) -> [String: String] {
        Trackers.environment(environment, recipe: recipe, run: plan.id, step: step.name, directory: plan.directory)
    }

    /// The first data contract one of `step`'s inputs breaks, as the reason the
    /// step fails without running; inputs `skipping` names (ones a batch job has yet to
    /// write) are not judged here.
    func inputContractProblem(of step: ResolvedStep, skipping: Set<String> = []) -> String? {
        let root = repository.workTree
        for (path, contract) in step.contracts.sorted(by: { $0.key < $1.key })
        where step.inputs.contains(where: { RepositoryPath.overlap($0, path) }) && !skipping.contains(where: { RepositoryPath.overlap($0, path) }) {
            if let violation = ContractCheck.violation(of: contract, at: "\(root)/\(path)", name: path) {
                return "its input breaks its contract: \(violation)"
            }
        }
        return nil
    }

    /// Why a step whose command exited with `status` failed, with `place` (its log, its
    /// job); a sandboxed step's says what it could see and how to find what it read. Exit 125
    /// from a step in an image is the engine's own failure (podman's and docker's): its image
    /// may be gone, so its remembered id is forgotten and the next run asks the engine first.
    func exitProblem(of step: ResolvedStep, status: Int32, where place: String) -> String {
        let problem = "its command exited with status \(status) (\(place))"
        switch step.isolation {
        case .host: return problem
        case .image(let image, _) where status == 125 && isolator.engine.kind != .apptainer:
            isolator.facts.forget(image, of: isolator.engine)
            return problem + "; \(isolator.engine.kind.rawValue) could not start it (125 is the engine's own failure): "
                + "if the image is gone, fetch it with: \(isolator.engine.kind.rawValue) pull \(image)"
        case .image: return problem
        case .sandbox:
            return problem + "; it ran sandboxed, seeing only its declared inputs and writing only its outputs: "
                + "git recipe trace \(recipe) \(step.name) lists what it reads and writes undeclared"
        }
    }

    /// The step cache's key for `planned`, given what earlier steps of this run wrote; `nil`
    /// when the run keeps no outputs or an input's digest is unknown.
    func cacheKey(of planned: RunPlan.Step, results: StepResults) -> ContentDigest? {
        cache?.key(of: planned.step, command: planned.keyCommand, upstream: results.outputs)
    }

    /// Restores `planned`'s outputs from the store when a recorded step has `key` and the
    /// store holds every output, and judges them as if the step had run: its record, with
    /// `cached`. `nil` when there is no such step, or its outputs cannot be restored or do
    /// not pass (the step then runs, with a warning).
    func restoreFromCache(_ planned: RunPlan.Step, key: ContentDigest?, results: inout StepResults) throws -> RunManifest.Step? {
        let step = planned.step
        guard let cache, let key, let hit = cache.hit(key, outputs: step.outputs) else { return nil }
        let started = Date()
        let message = "restored from the step cache: the outputs of run \(hit.run), step \(hit.step)\n"
        guard FileManager.default.createFile(atPath: plan.logFile(of: step), contents: Data(message.utf8)) else {
            throw FileWriteError(path: plan.logFile(of: step), reason: "cannot create it")
        }
        try recordStart(of: step.name)
        do {
            try DeclaredOutputs(root: repository.workTree, paths: step.outputs).remove()
            for file in hit.files { try cache.store.restore(file.digest, to: "\(repository.workTree)/\(file.path)") }
        } catch {
            events(.warning("step '\(step.name)' could not be restored from run \(hit.run) (\(error)); running it"))
            return nil
        }
        switch try checks.judge(step) {
        case .passed(let measured):
            results.add(measured)
            return record(
                step, command: planned.command, exit: 0, started: started, seconds: Date().timeIntervalSince(started), problem: nil,
                key: key, cached: .init(run: hit.run, step: hit.step))
        case .failed(let reason):
            events(.warning("step '\(step.name)' restored from run \(hit.run) did not pass its checks (\(reason)); running it"))
            return nil
        }
    }
}
