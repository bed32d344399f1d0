import Foundation

/// The slurm executor: every step is one batch job running the same command
/// with the same environment in the work tree, all submitted at once with `afterok`
/// dependencies (so independent steps run in parallel and a failure cancels what depends on
/// it). Each step is then judged from its job's state and exit code; outputs, metrics and
/// the clean tree are checked once the last job has ended. A step whose dependencies all
/// came from the step cache may come from it too: it is restored here, before anything is
/// submitted, and never becomes a job; every step that ran records its key for later runs.
struct SlurmExecutor: StepExecutor {
    /// The cluster jobs are submitted to.
    public let cluster: SlurmCluster

    /// Runs steps as batch jobs on `cluster`.
    public init(cluster: SlurmCluster) {
        self.cluster = cluster
    }

    /// Restores what the step cache has, submits every other step, waits for every job,
    /// then judges each.
    func execute(_ plan: RunPlan, in run: StepRun) throws -> StepResults {
        var results = StepResults()
        var cached: [String: RunManifest.Step] = [:]
        for planned in plan.steps where planned.step.dependencies.allSatisfy({ cached[$0] != nil }) {
            if let record = try run.restoreFromCache(planned, key: run.cacheKey(of: planned, results: results), results: &results) {
                cached[planned.name] = record
            }
        }
        // Data already here that breaks an input's contract stops its step (and those that need
        // it) before anything is queued; what a job writes is judged when the job ends.
        let written = Set(plan.steps.filter { cached[$0.name] == nil }.flatMap(\.step.outputs))
        var refused: [String: String] = [:]
        var blocked: Set<String> = []
        for planned in plan.steps where cached[planned.name] == nil {
            if planned.step.dependencies.contains(where: blocked.contains) {
                blocked.insert(planned.name)
            } else if let problem = run.inputContractProblem(of: planned.step, skipping: written) {
                refused[planned.name] = problem
                blocked.insert(planned.name)
            }
        }
        let pending = plan.steps.filter { cached[$0.name] == nil && !blocked.contains($0.name) }
        let submitted = Date()
        var jobs: [String: String] = [:]
        var wrapped: [String: Isolator.Wrapped] = [:]
        // Every job is queued at once, so every output goes before the first one starts.
        try DeclaredOutputs(root: run.repository.workTree, paths: pending.flatMap(\.step.outputs)).remove()
        do {
            for planned in pending {
                let step = planned.step
                let script = "\(plan.directory)/\(step.name).sh"
                let wrapping = try run.isolator.wrap(planned, in: run)
                wrapped[step.name] = wrapping
                // A step in an image or a sandbox runs the same command line as locally, each word quoted.
                let body = wrapping.record == nil ? planned.command : "exec " + wrapping.arguments.map(\.shellQuoted).joined(separator: " ")
                try Data(Self.script(body, usage: step.isolation.image == nil ? Self.usageFile(of: step, in: plan) : nil).utf8)
                    .write(to: URL(fileURLWithPath: script))
                try run.recordStart(of: step.name)
                jobs[step.name] = try cluster.submit(
                    .init(
                        script: script, jobName: "\(run.recipe).\(step.name)", directory: run.repository.workTree,
                        log: plan.logFile(of: step), environment: run.environment(of: step),
                        dependencies: step.dependencies.compactMap { jobs[$0] }, resources: step.resources))
                try QueuedJobs.keep(jobs, run: plan.id, in: plan.directory)
            }
        } catch {
            cluster.cancel(Array(jobs.values))
            QueuedJobs.forget(in: plan.directory)
            throw error
        }
        let queued = pending.compactMap { planned in jobs[planned.name].map { (planned: planned, job: $0) } }
        var ended: [String: SlurmCluster.Job] = [:]
        var lost: String?
        do {
            ended = try wait(for: queued, in: run)
        } catch {
            // Losing track of the jobs must not leave them running, nor the run unrecorded:
            // they are cancelled, and the steps whose end is unknown are recorded as failed.
            cluster.cancel(Array(jobs.values))
            lost = "\(error)"
        }
        QueuedJobs.forget(in: plan.directory)

        for wrapping in wrapped.values { wrapping.placeholders?.settle() }
        results.executor = RunManifest.Executor(kind: "slurm", cluster: cluster.name, jobs: jobs)
        var stopped: Set<String> = []
        for planned in plan.steps {
            if let record = cached[planned.name] {
                results.steps.append(record)
                continue
            }
            if let problem = refused[planned.name] {
                results.steps.append(run.record(planned.step, command: planned.command, exit: -1, started: submitted, seconds: 0, problem: problem))
                run.events(.stepFailed(step: planned.name, problem: problem))
                results.status = .failed
                continue
            }
            if blocked.contains(planned.name) {
                results.steps.append(.skipped(planned.name))
                continue
            }
            guard let id = jobs[planned.name] else { continue }
            let step = planned.step
            let key = run.cacheKey(of: planned, results: results)
            let job = ended[id] ?? SlurmCluster.Job.unknown
            if job.state == "CANCELLED", step.dependencies.contains(where: stopped.contains) {
                stopped.insert(step.name)
                results.steps.append(.skipped(step.name))
                continue
            }
            var problem: String?
            switch job.state {
            case _ where ended[id] == nil && lost != nil:
                problem = "git-recipe lost track of slurm job \(id) and cancelled it: \(lost ?? "")"
            // A job that completed before Ctrl-C is recorded in full, as the local executor does.
            case "COMPLETED":
                switch try run.checks.judge(step) {
                case .passed(let measured): results.add(measured)
                case .failed(let reason): problem = reason
                }
            case "CANCELLED" where run.interruption.isRequested: problem = "interrupted"
            case "FAILED":
                problem = run.exitProblem(of: step, status: job.exit, where: "slurm job \(id); log: git recipe logs \(plan.id) \(step.name)")
            case "TIMEOUT": problem = "it ran past its time limit (slurm job \(id), TIMEOUT)"
            case "OUT_OF_MEMORY": problem = "it ran out of memory (slurm job \(id), OUT_OF_MEMORY)"
            default: problem = "slurm ended its job \(id) as \(job.state) (\(job.reason))"
            }
            let exit = job.signal > 0 ? 128 + job.signal : job.exit
            // Slurm reports start times in the controller's local time, without a zone:
            // steps record when they were submitted.
            var record = run.record(
                step, command: planned.command, exit: exit, started: submitted,
                seconds: Double(job.seconds), problem: problem, job: (id, job.state), key: key, isolation: wrapped[step.name]?.record)
            record.usage = Self.usage(in: Self.usageFile(of: step, in: plan))
            results.steps.append(record)
            if let problem, !run.interruption.isRequested {
                run.events(.stepFailed(step: step.name, problem: problem))
                stopped.insert(step.name)
                results.status = .failed
            }
        }
        if run.interruption.isRequested { results.status = .cancelled }
        return results
    }

    /// The runs of a sweep or grid are submitted at once, up to this many (each run beyond
    /// the first waits in a scratch worktree of its own); each run's jobs are queued at once.
    var concurrentRuns: Int { 64 }

    /// How long the controller may keep failing to answer before the jobs are given up.
    static let patience: TimeInterval = 60

    /// Polls until every job has ended, showing each job's output as it ends; an
    /// interruption cancels the jobs not yet ended, which then end as CANCELLED.
    private func wait(for queued: [(planned: RunPlan.Step, job: String)], in run: StepRun) throws -> [String: SlurmCluster.Job] {
        var ended: [String: SlurmCluster.Job] = [:]
        var cancelled = false
        var failingSince: Date?
        let submitted = Date()
        while ended.count < queued.count {
            let waiting = queued.map(\.job).filter { ended[$0] == nil }
            if run.interruption.isRequested && !cancelled {
                cluster.cancel(waiting)
                cancelled = true
            }
            // A controller busy enough to time out once is asked again, for up to a minute.
            let known: [String: SlurmCluster.Job]
            do {
                known = try cluster.jobs(waiting, since: submitted)
                failingSince = nil
            } catch {
                let since = failingSince ?? Date()
                failingSince = since
                guard Date().timeIntervalSince(since) < Self.patience else { throw error }
                usleep(500_000)
                continue
            }
            for (planned, id) in queued where ended[id] == nil {
                // A job Slurm no longer lists has ended long ago (MinJobAge); it is judged as unknown.
                let job = known[id] ?? .unknown
                guard job.isFinished else { continue }
                ended[id] = job
                if let output = FileManager.default.contents(atPath: run.plan.logFile(of: planned.step)) {
                    run.events(.jobOutput(output))
                }
            }
            if ended.count < queued.count { usleep(200_000) }
        }
        return ended
    }
}

extension SlurmExecutor {
    /// A job's script: `body`, run under GNU time where the node has it, so that the step's
    /// CPU time and peak memory reach its record without Slurm's accounting database (the
    /// same figures `wait4` gives locally: user + system time of the step and everything it
    /// waited for, and the largest resident set among them). Where there is no
    /// `/usr/bin/time` the body runs as it is, and the record has no usage. A step in an
    /// image has none either, as locally: the engine's client is not the step.
    static func script(_ body: String, usage: String?) -> String {
        guard let usage else { return "#!/bin/sh\n\(body)\n" }
        return
            "#!/bin/sh\n[ -x /usr/bin/time ] && exec /usr/bin/time -q -f '%U %S %M' -o \(usage.shellQuoted) /bin/sh -c \(body.shellQuoted)\n\(body)\n"
    }

    /// What GNU time wrote for a step: user and system seconds, and peak memory in KiB;
    /// `nil` when it wrote nothing readable.
    static func usage(in file: String) -> RunManifest.Usage? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let fields = (text.split(separator: "\n").last ?? "").split(separator: " ")
        guard fields.count == 3, let user = Double(fields[0]), let system = Double(fields[1]), let kibibytes = Int(fields[2]) else { return nil }
        return RunManifest.Usage(cpuSeconds: user + system, peakMemory: kibibytes * 1024)
    }

    /// Where a step's job writes its usage.
    fileprivate static func usageFile(of step: ResolvedStep, in plan: RunPlan) -> String { "\(plan.directory)/\(step.name).usage" }
}
