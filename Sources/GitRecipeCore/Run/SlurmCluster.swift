import Foundation
import Synchronization

/// A Slurm cluster reached through its client commands (`sbatch`, `scontrol`, `scancel`),
/// found as they find it: `SLURM_CONF` or the system configuration.
public struct SlurmCluster: Sendable {
    /// The cluster's `ClusterName`, recorded in manifests.
    public let name: String
    /// `executors.slurm`.
    let settings: ProjectConfig.Slurm
    /// The latest `scontrol show job` answer, shared by the runs of a sweep waiting at once.
    private let poll = JobPoll()

    /// Connects to the cluster the client commands see; fails with what to install or start.
    public init(settings: ProjectConfig.Slurm) throws {
        self.settings = settings
        let config = try Self.command(["scontrol", "show", "config"], doing: "reach the Slurm controller")
        name =
            config.split(separator: "\n").first { $0.hasPrefix("ClusterName ") }
            .flatMap { $0.split(separator: "=", maxSplits: 1).dropFirst().first?.trimmingCharacters(in: .whitespaces) } ?? "slurm"
    }

    /// One batch job as a step's submission needs it.
    struct Submission {
        /// The step's script.
        let script: String
        /// `RECIPE.STEP`.
        let jobName: String
        /// Where it runs: the work tree.
        let directory: String
        /// Where its output goes.
        let log: String
        /// Its whole environment.
        let environment: [String: String]
        /// Jobs it waits for (`afterok`).
        let dependencies: [String]
        /// What the step asks for.
        let resources: Resources?
    }

    /// Submits a job with `sbatch --parsable`; returns its id.
    func submit(_ job: Submission) throws -> String {
        let arguments = Self.arguments(for: job, settings: settings)
        let output = try Self.command(arguments, doing: "submit '\(job.jobName)'", environment: job.environment)
        // `--parsable` prints `id` or `id;cluster`.
        guard let id = output.split(separator: "\n").last?.split(separator: ";").first, id.allSatisfy(\.isNumber) else {
            throw SlurmError(operation: "submit '\(job.jobName)'", detail: "sbatch printed '\(output)', not a job id")
        }
        return String(id)
    }

    /// The `sbatch` command line that submits `job`.
    static func arguments(for job: Submission, settings: ProjectConfig.Slurm) -> [String] {
        var arguments = [
            "sbatch", "--parsable", "--job-name=\(job.jobName)", "--chdir=\(job.directory)",
            "--output=\(job.log)", "--export=ALL", "--nodes=1", "--ntasks=1",
        ]
        if !job.dependencies.isEmpty {
            arguments += ["--dependency=afterok:" + job.dependencies.joined(separator: ":"), "--kill-on-invalid-dep=yes"]
        }
        return arguments + flags(for: job.resources, settings: settings) + [job.script]
    }

    /// What a run of `plan` would submit, as lines of shell: `JOB_STEP=$(sbatch …)` per step
    /// in order, each waiting for the jobs of the steps it needs (`$JOB_…`) — `run
    /// --executor slurm --dry-run` prints them. Steps the step cache would restore are listed
    /// too: which ones only the run knows.
    public static func submissions(of plan: RunPlan, recipe: String, workTree: String, settings: ProjectConfig.Slurm) -> [String] {
        let variable = { (step: String) in "JOB_" + step.replacingOccurrences(of: "-", with: "_") }
        return plan.steps.map { planned in
            let job = Submission(
                script: "\(plan.directory)/\(planned.name).sh", jobName: "\(recipe).\(planned.name)", directory: workTree,
                log: plan.logFile(of: planned.step), environment: [:],
                dependencies: planned.step.dependencies.map { "$" + variable($0) }, resources: planned.step.resources)
            // A `$JOB_…` dependency stays unquoted so the shell expands it; every other word is quoted.
            let words = arguments(for: job, settings: settings).map { $0.contains("$JOB_") ? "\"\($0)\"" : $0.shellQuoted }
            return "\(variable(planned.name))=$(\(words.joined(separator: " ")))"
        }
    }

    /// sbatch flags for a step's resources and the project's defaults (`slurm:` in
    /// `.recipes/config.yaml`, docs/reference.md).
    static func flags(for resources: Resources?, settings: ProjectConfig.Slurm) -> [String] {
        var flags: [String] = []
        if let cpus = resources?.cpus { flags.append("--cpus-per-task=\(cpus)") }
        if let gpus = resources?.gpus, gpus > 0 { flags.append("--gres=gpu:\(gpus)") }
        if let memory = resources?.memory { flags.append("--mem=\(memory)") }
        if let time = resources?.time ?? settings.time { flags.append("--time=\(time)") }
        if let partition = settings.partition { flags.append("--partition=\(partition)") }
        if let account = settings.account { flags.append("--account=\(account)") }
        if let qos = settings.qos { flags.append("--qos=\(qos)") }
        return flags + settings.extraArgs
    }

    /// A job as `scontrol show job` describes it.
    struct Job: Equatable {
        /// Slurm's state: `COMPLETED`, `FAILED`, `TIMEOUT` …
        let state: String
        /// Slurm's reason for it.
        let reason: String
        /// The exit status of the job's script, and the signal that ended it (0 if none).
        let exit: Int32
        /// The signal that ended it, 0 if none.
        let signal: Int32
        /// Seconds it ran.
        let seconds: Int

        /// A job Slurm no longer lists: it ended long ago (MinJobAge), nobody knows how.
        static let unknown = Job(state: "UNKNOWN", reason: "no longer known to slurm", exit: -1, signal: 0, seconds: 0)

        /// Whether Slurm is done with it.
        var isFinished: Bool { !["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING"].contains(state) }
    }

    /// The jobs among `ids` Slurm still knows, by id, from one `scontrol` answer taken after
    /// `since` (when the last of them was submitted): the runs of a sweep polling at once
    /// share answers, so the controller is asked about as often for a hundred runs as for one.
    func jobs(_ ids: [String], since: Date) throws -> [String: Job] {
        let output = try poll.answer(since: since) {
            try Self.command(["scontrol", "-o", "show", "job"], doing: "read the state of jobs \(ids.joined(separator: ", "))")
        }
        let wanted = Set(ids)
        var jobs: [String: Job] = [:]
        for line in output.split(separator: "\n") {
            var fields: [Substring: Substring] = [:]
            for token in line.split(separator: " ") {
                guard let equals = token.firstIndex(of: "=") else { continue }
                fields[token[..<equals]] = token[token.index(after: equals)...]
            }
            guard let id = fields["JobId"].map(String.init), wanted.contains(id) else { continue }
            let exitCode = (fields["ExitCode"] ?? "0:0").split(separator: ":").map { Int32($0) ?? 0 }
            jobs[id] = Job(
                state: String(fields["JobState"] ?? "UNKNOWN"), reason: String(fields["Reason"] ?? "None"),
                exit: exitCode.first ?? 0, signal: exitCode.count > 1 ? exitCode[1] : 0,
                seconds: Self.seconds(fields["RunTime"].map(String.init) ?? "0"))
        }
        return jobs
    }

    /// Cancels the jobs (those already finished are left as they are).
    func cancel(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        _ = try? Self.command(["scancel"] + ids, doing: "cancel jobs \(ids.joined(separator: ", "))")
    }

    /// `[D-]HH:MM:SS` (or `MM:SS`) as seconds.
    static func seconds(_ text: String) -> Int {
        let days = text.contains("-") ? Int(text.split(separator: "-")[0]) ?? 0 : 0
        let clock = text.split(separator: "-").last ?? ""
        let seconds = clock.split(separator: ":").reduce(0) { $0 * 60 + (Int($1) ?? 0) }
        return days * 86_400 + seconds
    }

    /// Runs a Slurm client command and returns its stdout; any failure names what was being
    /// done, Slurm's message and how to reach a cluster.
    @discardableResult
    static func command(_ arguments: [String], doing operation: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> String
    {
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess(arguments: arguments, directory: FileManager.default.currentDirectoryPath, environment: environment).run(
                timeout: 60)
        } catch {
            throw SlurmError(operation: operation, detail: "\(arguments[0]) could not be started: \(error)")
        }
        if outcome.status == 127 {
            throw SlurmError(operation: operation, detail: "\(arguments[0]) is not installed here (it comes with slurm-client)")
        }
        guard outcome.status == 0, !outcome.timedOut else {
            throw SlurmError(operation: operation, detail: outcome.timedOut ? "\(arguments[0]) did not answer within 60 s" : outcome.stderr)
        }
        return outcome.stdout
    }
}

/// One `scontrol show job` answer at a time, reused while it is fresh: younger than
/// `freshness` and taken after the asker's jobs were submitted (an older answer would not
/// list them, and a job Slurm does not list counts as ended). Whoever asks while the
/// command runs waits for its answer.
private final class JobPoll: Sendable {
    /// How long an answer serves everyone.
    static let freshness: TimeInterval = 0.15
    /// The last answer and when it was taken.
    private let last = Mutex<(taken: Date, output: String)?>(nil)

    /// A fresh answer, or `ask`'s.
    func answer(since: Date, _ ask: () throws -> String) throws -> String {
        try last.withLock { last in
            if let known = last, known.taken >= since, Date().timeIntervalSince(known.taken) < Self.freshness { return known.output }
            let taken = Date()
            let output = try ask()
            last = (taken, output)
            return output
        }
    }
}

/// Slurm refused or could not be reached.
struct SlurmError: RecipeError {
    /// What was being done.
    let operation: String
    /// What Slurm said.
    let detail: String

    /// Exit 1: Slurm refused or could not be reached.
    public var exitStatus: ExitStatus { .checkFailed }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        "could not \(operation) with Slurm: \(detail.trimmingCharacters(in: .whitespacesAndNewlines)); "
            + "check that sinfo works here (SLURM_CONF names the cluster's slurm.conf), or run with --executor local"
    }
}
