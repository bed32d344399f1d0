import Foundation
import Synchronization

/// The local executor: each step a child process in the work tree. Steps whose
/// dependencies have all succeeded run at once, up to `-j` cores, a step counting its
/// `resources.cpus` (one unless it says; at most all of them). A failed step stops the steps
/// that need it; steps that do not need it go on (`failFast` stops them instead). Each
/// step is judged by `StepChecks` on this thread as it ends, one at a time.
///
/// The cores are a `CoreBudget` every run made with this executor shares: the seeds of a
/// sweep running at once (`Runner.sweep`) draw on the same `-j`.
struct LocalExecutor: StepExecutor {
    /// The cores the steps draw on.
    let budget: CoreBudget
    /// Whether a failed step stops every running step and starts no other.
    let failFast: Bool

    /// An executor running up to `jobs` cores' worth of steps at once.
    init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, failFast: Bool = false) {
        budget = CoreBudget(cores: max(1, jobs))
        self.failFast = failFast
    }

    /// As many runs as there are cores: each holds at least one while it runs a step.
    var concurrentRuns: Int { budget.cores }

    /// A step under way.
    private struct Running {
        let planned: RunPlan.Step
        let process: StepProcess
        let log: FileHandle
        let started: Date
        let key: ContentDigest?
        let wrapped: Isolator.Wrapped
        /// The cores it holds.
        let share: Int
    }

    /// Runs the steps, each once every step it needs has succeeded.
    func execute(_ plan: RunPlan, in run: StepRun) throws -> StepResults {
        var results = StepResults()
        var records: [String: RunManifest.Step] = [:]
        var stopped: Set<String> = []
        var pending = plan.steps
        var running: [String: Running] = [:]
        var failure: String?
        let ended = EndedSteps()
        budget.listen(ended)
        defer { budget.stopListening(ended) }
        let prefixed = run.label != nil || Self.mayOverlap(plan.steps, cores: budget.cores)
        // A step is ready once every step it needs has ended and none of them failed.
        let ready = { (planned: RunPlan.Step) in planned.step.dependencies.allSatisfy { records[$0] != nil && !stopped.contains($0) } }
        let mayStart = { !run.interruption.isRequested && !(failFast && failure != nil) }

        while true {
            // Steps that need a failed step will not run; the rest start as cores free up.
            for planned in pending where planned.step.dependencies.contains(where: stopped.contains) {
                stopped.insert(planned.name)
                records[planned.name] = .skipped(planned.name)
            }
            pending.removeAll { records[$0.name] != nil }
            if mayStart() {
                for planned in pending where ready(planned) {
                    let share = min(max(planned.step.resources?.cpus ?? 1, 1), budget.cores)
                    guard budget.take(share) else { continue }
                    pending.removeAll { $0.name == planned.name }
                    let started: Start
                    do {
                        started = try start(planned, in: run, results: &results, share: share, prefixed: prefixed, ended: ended)
                    } catch {
                        budget.give(share)
                        throw error
                    }
                    switch started {
                    case .finished(let record, let problem):
                        budget.give(share)
                        records[planned.name] = record
                        if let problem { fail(planned.name, problem, &stopped, &results, &failure, running: running, run: run) }
                    case .running(let step):
                        running[planned.name] = step
                    }
                }
            }
            // Wait for a step of this run to end, or — with nothing running but steps ready —
            // for another run to give cores back.
            guard !running.isEmpty || mayStart() && pending.contains(where: ready) else { break }
            guard let (name, status, usage) = ended.next(), let step = running.removeValue(forKey: name) else { continue }
            budget.give(step.share)
            let (record, problem) = try finish(step, status: status, usage: usage, in: run, results: &results, failure: failure)
            records[name] = record
            if let problem { fail(name, problem, &stopped, &results, &failure, running: running, run: run) }
        }
        if run.interruption.isRequested {
            results.status = .cancelled
        } else if let failure {
            for planned in pending where records[planned.name] == nil {
                records[planned.name] = .skipped(planned.name, because: "step '\(failure)' failed (--fail-fast)")
            }
        }
        results.steps = plan.steps.compactMap { records[$0.name] }
        return results
    }

    /// Marks `name` failed; with `failFast`, stops every running step.
    private func fail(
        _ name: String, _ problem: String, _ stopped: inout Set<String>, _ results: inout StepResults, _ failure: inout String?,
        running: [String: Running], run: StepRun
    ) {
        stopped.insert(name)
        results.status = .failed
        guard !run.interruption.isRequested else { return }
        run.events(.stepFailed(step: name, problem: problem))
        if failure == nil { failure = name }
        if failFast { for step in running.values { step.process.terminate() } }
    }

    /// How starting a step went: it ended at once (restored from the step cache, or its
    /// outputs could not be removed), or it is running.
    private enum Start {
        case finished(RunManifest.Step, problem: String?)
        case running(Running)
    }

    /// Restores `planned` from the step cache when a recorded step has its key and the
    /// store its outputs; else removes its outputs and starts its process, which tells
    /// `ended` when it exits.
    private func start(
        _ planned: RunPlan.Step, in run: StepRun, results: inout StepResults, share: Int, prefixed: Bool, ended: EndedSteps
    ) throws -> Start {
        let step = planned.step
        if let problem = run.inputContractProblem(of: step) {
            return .finished(run.record(step, command: planned.command, exit: -1, started: Date(), seconds: 0, problem: problem), problem: problem)
        }
        let key = run.cacheKey(of: planned, results: results)
        if let restored = try run.restoreFromCache(planned, key: key, results: &results) { return .finished(restored, problem: nil) }
        let log = try run.plan.createLog(of: step)
        try run.recordStart(of: step.name)
        let started = Date()
        do {
            try DeclaredOutputs(root: run.repository.workTree, paths: step.outputs).remove()
        } catch {
            try? log.close()
            return .finished(
                run.record(step, command: planned.command, exit: -1, started: started, seconds: 0, problem: error.description),
                problem: error.description)
        }
        let wrapped = try run.isolator.wrap(planned, in: run)
        let process = try StepProcess.start(
            wrapped.arguments, in: run.repository.workTree, environment: run.environment(of: step), log: log,
            prefix: prefixed ? "[\(run.label ?? "")\(step.name)] " : nil)
        run.interruption.started(process)
        onOwnThread {
            let (status, usage) = process.wait()
            ended.post(step.name, status: status, usage: usage)
        }
        return .running(Running(planned: planned, process: process, log: log, started: started, key: key, wrapped: wrapped, share: share))
    }

    /// Judges a step whose process exited with `status`: its record, and why it failed.
    /// `failure` names the step whose failure stopped it, with `failFast`.
    private func finish(
        _ running: Running, status: Int32, usage: ResourceUsage, in run: StepRun, results: inout StepResults, failure: String?
    ) throws -> (RunManifest.Step, String?) {
        let step = running.planned.step
        run.interruption.ended(running.process)
        try? running.log.close()
        running.wrapped.placeholders?.settle()
        let seconds = Date().timeIntervalSince(running.started)
        var problem: String?
        if run.interruption.isRequested {
            problem = "interrupted"
        } else if status != 0, failFast, let failure {
            problem = "stopped because step '\(failure)' failed (--fail-fast)"
        } else if status != 0 {
            problem = run.exitProblem(of: step, status: status, where: "log: git recipe logs \(run.plan.id) \(step.name)")
        } else {
            switch try run.checks.judge(step) {
            case .passed(let measured): results.add(measured)
            case .failed(let reason): problem = reason
            }
        }
        var record = run.record(
            step, command: running.planned.command, exit: status, started: running.started, seconds: seconds, problem: problem,
            key: running.key, isolation: running.wrapped.record)
        // The engine's client is not the step: what ran in the container is not its child.
        if step.isolation.image == nil { record.usage = RunManifest.Usage(usage) }
        return (record, problem)
    }

    /// Whether two of `steps` can run at the same time: `cores` allows it and neither needs
    /// the other. Their output lines are then prefixed with the step's name.
    static func mayOverlap(_ steps: [RunPlan.Step], cores: Int) -> Bool {
        guard cores > 1 else { return false }
        var ancestors: [String: Set<String>] = [:]
        for planned in steps {
            ancestors[planned.name] = planned.step.dependencies.reduce(into: Set(planned.step.dependencies)) { all, dependency in
                all.formUnion(ancestors[dependency] ?? [])
            }
        }
        return steps.indices.contains { first in
            steps[(first + 1)...].contains { second in
                !(ancestors[second.name]?.contains(steps[first].name) ?? false) && !(ancestors[steps[first].name]?.contains(second.name) ?? false)
            }
        }
    }
}

/// Steps whose processes have exited, in the order they did, handed from the threads that
/// wait for them to the executor's; and word that cores came free.
final class EndedSteps: Sendable {
    /// Ended steps not yet taken; `nil` for cores given back by another run.
    private let queue = Mutex<[(name: String, status: Int32, usage: ResourceUsage)?]>([])
    /// Counts the entries of `queue`.
    private let available = DispatchSemaphore(value: 0)

    /// Hands over a step that ended.
    func post(_ name: String, status: Int32, usage: ResourceUsage) {
        queue.withLock { $0.append((name, status, usage)) }
        available.signal()
    }

    /// Says that cores came free.
    func wake() {
        queue.withLock { $0.append(nil) }
        available.signal()
    }

    /// The next step that ended, or `nil` when cores came free, waiting for either.
    func next() -> (name: String, status: Int32, usage: ResourceUsage)? {
        available.wait()
        return queue.withLock { $0.removeFirst() }
    }
}

/// The cores of `run -j N`, shared by every run drawing on them (the seeds of a sweep
/// running at once). A run takes a step's share before starting it and gives it back when
/// the step ends; runs waiting for cores hear when some come free.
final class CoreBudget: Sendable {
    /// The cores in all.
    let cores: Int
    /// Cores not taken.
    private let free: Mutex<Int>
    /// The runs to tell when cores come free.
    private let listeners = Mutex<[ObjectIdentifier: EndedSteps]>([:])

    /// A budget of `cores`.
    init(cores: Int) {
        self.cores = cores
        free = Mutex(cores)
    }

    /// Takes `share` cores if they are free.
    func take(_ share: Int) -> Bool {
        free.withLock { free in
            guard free >= share else { return false }
            free -= share
            return true
        }
    }

    /// Gives `share` cores back, and tells every waiting run.
    func give(_ share: Int) {
        free.withLock { $0 += share }
        for listener in listeners.withLock({ Array($0.values) }) { listener.wake() }
    }

    /// Starts telling `ended` when cores come free.
    func listen(_ ended: EndedSteps) {
        _ = listeners.withLock { $0[ObjectIdentifier(ended)] = ended }
    }

    /// Stops telling `ended`.
    func stopListening(_ ended: EndedSteps) {
        _ = listeners.withLock { $0.removeValue(forKey: ObjectIdentifier(ended)) }
    }
}
