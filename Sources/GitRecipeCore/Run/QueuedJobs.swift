import Foundation

/// The batch jobs a run has queued, kept in its run directory (`slurm-jobs`) from the first
/// submission until every job has ended: what `git recipe cancel` finds when the
/// `git recipe run` that submitted them was killed, and the jobs would otherwise run on
/// with nobody to record them.
public struct QueuedJobs: Sendable {
    /// The run's id.
    public let run: String
    /// The process that submitted them and waits for them.
    let driver: pid_t
    /// Job ids by step.
    public let jobs: [String: String]
    /// The file they are kept in.
    let path: String

    /// The file's name in a run's directory.
    static let fileName = "slurm-jobs"

    /// Keeps `jobs` as the jobs the run in `directory` has queued (this process waits for
    /// them), replacing the file whole.
    static func keep(_ jobs: [String: String], run: String, in directory: String) throws {
        let text = "driver \(getpid())\n" + jobs.byKeyBytes.map { "job \($0.key) \($0.value)\n" }.joined()
        var transaction = FileTransaction()
        transaction.write(Data(text.utf8), to: URL(fileURLWithPath: "\(directory)/\(fileName)"))
        try transaction.commit()
    }

    /// Forgets the jobs of the run in `directory`: they have all ended.
    static func forget(in directory: String) {
        unlink("\(directory)/\(fileName)")
    }

    /// Every run of `repository` with jobs still listed.
    public static func all(in repository: Repository) -> [QueuedJobs] {
        let runs = RunLogs.directory(in: repository)
        return ((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []).sorted().compactMap { run in
            let path = "\(runs)/\(run)/\(fileName)"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            var driver: pid_t = 0
            var jobs: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                if words.count == 2, words[0] == "driver" { driver = pid_t(words[1]) ?? 0 }
                if words.count == 3, words[0] == "job", words[2].allSatisfy(\.isNumber) { jobs[words[1]] = words[2] }
            }
            return QueuedJobs(run: run, driver: driver, jobs: jobs, path: path)
        }
    }

    /// Whether the process that submitted the jobs is gone (killed, or its machine went down).
    public var isOrphaned: Bool { driver <= 0 || (kill(driver, 0) != 0 && errno == ESRCH) }

    /// Cancels the jobs of every run whose `git recipe run` is gone, and removes the scratch
    /// worktrees such runs left. Returns the runs cancelled and how many worktrees went.
    public static func cancelOrphaned(in repository: Repository, on cluster: SlurmCluster) -> (runs: [QueuedJobs], worktrees: Int) {
        let orphaned = all(in: repository).filter(\.isOrphaned)
        for run in orphaned { run.cancel(on: cluster) }
        return (orphaned, ScratchWorktree.removeAbandoned(of: repository))
    }

    /// Cancels the jobs on `cluster` and forgets them; a driver still waiting sees them end
    /// as cancelled and records its run so.
    public func cancel(on cluster: SlurmCluster) {
        cluster.cancel(jobs.values.sorted())
        unlink(path)
    }
}
