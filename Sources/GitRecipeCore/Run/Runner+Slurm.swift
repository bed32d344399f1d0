import Foundation

extension Runner {
    /// The slurm executor (DESIGN §6): every step is one batch job running the same command
    /// with the same environment in the work tree, all submitted at once with `afterok`
    /// dependencies (so independent steps run in parallel and a failure cancels what
    /// depends on it). Each step is then judged from its job's state and exit code; outputs,
    /// metrics and the clean tree are checked once the last job has ended.
    func runOnSlurm(_ cluster: SlurmCluster, _ context: Context) throws -> StepResults {
        let submitted = Date()
        var jobs: [String: String] = [:]
        var commands: [String: String] = [:]
        // Every job is queued at once, so every output goes before the first one starts.
        try DeclaredOutputs(root: repository.workTree, paths: pipeline.steps.flatMap(\.outputs)).remove()
        do {
            for step in pipeline.steps {
                let command = try command(of: step, in: context)
                let script = "\(context.directory)/\(step.name).sh"
                try Data("#!/bin/sh\n\(command)\n".utf8).write(to: URL(fileURLWithPath: script))
                try recordStart(of: step.name, in: context.directory)
                jobs[step.name] = try cluster.submit(.init(
                    script: script, jobName: "\(pipeline.recipe.name).\(step.name)", directory: repository.workTree,
                    log: context.logFile(of: step), environment: context.environment,
                    dependencies: step.dependencies.compactMap { jobs[$0] }, resources: step.resources))
                commands[step.name] = command
            }
        } catch {
            cluster.cancel(Array(jobs.values))
            throw error
        }
        let ended: [String: SlurmCluster.Job]
        do {
            ended = try wait(for: jobs, on: cluster, context: context)
        } catch {
            // Losing track of the jobs must not leave them running unrecorded.
            cluster.cancel(Array(jobs.values))
            throw error
        }

        var results = StepResults()
        results.executor = .ordered([("kind", .string("slurm")), ("cluster", .string(cluster.name)),
                                     ("jobs", .map(jobs.mapValues(CanonicalYAML.string)))])
        var stopped: Set<String> = []
        for step in pipeline.steps {
            let id = jobs[step.name]!
            let job = ended[id]!
            if job.state == "CANCELLED", step.dependencies.contains(where: stopped.contains) {
                stopped.insert(step.name)
                results.steps.append(Self.skipped(step))
                continue
            }
            var problem: String?
            switch job.state {
            // A job that completed before Ctrl-C is recorded in full, as the local executor does.
            case "COMPLETED": problem = try check(step, before: context.before, results: &results)
            case "CANCELLED" where interruption.isRequested: problem = "interrupted"
            case "FAILED": problem = "its command exited with status \(job.exit) (slurm job \(id); log: git recipe logs \(context.id) \(step.name))"
            case "TIMEOUT": problem = "it ran past its time limit (slurm job \(id), TIMEOUT)"
            case "OUT_OF_MEMORY": problem = "it ran out of memory (slurm job \(id), OUT_OF_MEMORY)"
            default: problem = "slurm ended its job \(id) as \(job.state) (\(job.reason))"
            }
            let exit = job.signal > 0 ? 128 + job.signal : job.exit
            // Slurm reports start times in the controller's local time, without a zone:
            // steps record when they were submitted.
            results.steps.append(Self.stepRecord(
                step, command: commands[step.name]!, exit: exit, started: submitted, seconds: Double(job.seconds),
                log: context.logFile(of: step), problem: problem, extra: [("job", .string(id)), ("state", .string(job.state))]))
            if let problem, !interruption.isRequested {
                Terminal.error("step '\(step.name)' failed: \(problem)")
                stopped.insert(step.name)
                results.status = .failed
            }
        }
        if interruption.isRequested { results.status = .cancelled }
        return results
    }

    /// Polls until every job has ended, showing each job's output as it ends; Ctrl-C
    /// cancels the jobs not yet ended, which then end as CANCELLED.
    private func wait(for jobs: [String: String], on cluster: SlurmCluster, context: Context) throws -> [String: SlurmCluster.Job] {
        var ended: [String: SlurmCluster.Job] = [:]
        var cancelled = false
        let steps = pipeline.steps.map { step in (step: step, id: jobs[step.name]!) }
        while ended.count < jobs.count {
            if interruption.isRequested && !cancelled {
                cluster.cancel(steps.map(\.id).filter { ended[$0] == nil })
                cancelled = true
            }
            let known = try cluster.jobs(steps.map(\.id).filter { ended[$0] == nil })
            for (step, id) in steps where ended[id] == nil {
                // A job Slurm no longer lists has ended long ago (MinJobAge); it is judged as unknown.
                let job = known[id] ?? SlurmCluster.Job(state: "UNKNOWN", reason: "no longer known to slurm", exit: -1, signal: 0, seconds: 0)
                guard job.isFinished else { continue }
                ended[id] = job
                if let output = FileManager.default.contents(atPath: context.logFile(of: step)) {
                    FileHandle.standardOutput.write(output)
                }
            }
            if ended.count < jobs.count { usleep(200_000) }
        }
        return ended
    }
}
