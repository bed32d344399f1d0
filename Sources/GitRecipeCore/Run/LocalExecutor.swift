import Foundation

/// The local executor: each step a child process in the work tree, one after another.
struct LocalExecutor: StepExecutor {
    /// The local executor.
    public init() {}

    /// Runs the steps in order; a failed step stops those that need it.
    func execute(_ plan: RunPlan, in run: StepRun) throws -> StepResults {
        var results = StepResults()
        var stopped: Set<String> = []
        for planned in plan.steps {
            let step = planned.step
            if run.interruption.isRequested {
                results.status = .cancelled
                break
            }
            if step.dependencies.contains(where: stopped.contains) {
                stopped.insert(step.name)
                results.steps.append(.skipped(step.name))
                continue
            }
            let (record, problem) = try execute(planned, in: run, results: &results)
            results.steps.append(record)
            if run.interruption.isRequested {
                results.status = .cancelled
                break
            }
            if let problem {
                run.events(.stepFailed(step: step.name, problem: problem))
                stopped.insert(step.name)
                results.status = .failed
            }
        }
        return results
    }

    /// One step: restored from the step cache when a recorded step has its key and the
    /// store its outputs, else its process, then its checks. `problem` says why it failed.
    private func execute(
        _ planned: RunPlan.Step, in run: StepRun, results: inout StepResults
    ) throws -> (record: RunManifest.Step, problem: String?) {
        let step = planned.step
        let key = run.cacheKey(of: planned, results: results)
        if let restored = try run.restoreFromCache(planned, key: key, results: &results) { return (restored, nil) }
        let log = try run.plan.createLog(of: step)
        try run.recordStart(of: step.name)
        defer { try? log.close() }
        let started = Date()
        do {
            try DeclaredOutputs(root: run.repository.workTree, paths: step.outputs).remove()
        } catch {
            return (
                run.record(step, command: planned.command, exit: -1, started: started, seconds: 0, problem: error.description),
                error.description
            )
        }
        let wrapped = try run.isolator.wrap(planned, in: run)
        let process = try StepProcess.start(wrapped.arguments, in: run.repository.workTree, environment: run.environment, log: log)
        run.interruption.running(process)
        let (exit, usage) = process.wait()
        run.interruption.running(nil)
        wrapped.placeholders?.settle()
        let seconds = Date().timeIntervalSince(started)

        var problem: String?
        if run.interruption.isRequested {
            problem = "interrupted"
        } else if exit != 0 {
            problem = run.exitProblem(of: step, status: exit, where: "log: git recipe logs \(run.plan.id) \(step.name)")
        } else {
            switch try run.checks.judge(step) {
            case .passed(let measured): results.add(measured)
            case .failed(let reason): problem = reason
            }
        }
        var record = run.record(
            step, command: planned.command, exit: exit, started: started, seconds: seconds, problem: problem, key: key,
            isolation: wrapped.record)
        // The engine's client is not the step: what ran in the container is not its child.
        if step.isolation.image == nil { record.usage = RunManifest.Usage(usage) }
        return (record, problem)
    }
}
