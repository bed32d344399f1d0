import Foundation

/// What a reproduction is compared with: the original run's outputs and metrics, and the
/// tolerances its recipe declared.
public struct Reproduction: Sendable {
    /// The original run's id.
    public let run: String
    /// The run's output and file digests, by path.
    let outputs: [String: String]
    /// The run's metrics.
    let metrics: [String: Double]
    /// The recipe's tolerances, by metric.
    let tolerance: [String: Double]

    /// The verdict on a reproduction that left `outputs` and `metrics`.
    func judge(outputs: [String: TreeHasher.Measured], metrics: [String: Double]) -> Verdict {
        let manifest = RunManifest.Output.self
        let digests = Dictionary(RunManifest.outputAndFileDigests(outputs.mapValues(manifest.init))) { first, _ in first }
        return Verdict(run: (self.outputs, self.metrics), reproduction: (digests, metrics), tolerance: tolerance)
    }
}

/// `git recipe reproduce RUN`: re-runs a recorded run at its commit in a temporary linked
/// worktree, with the same params and seed, and records the result with its verdict.
public struct Reproducer {
    /// The repository whose runs are reproduced.
    let repository: Repository

    /// Reproduces runs recorded in `repository`.
    public init(repository: Repository) {
        self.repository = repository
    }

    /// Reproduces `run`. Data git does not track is brought from this checkout by hard link
    /// (or copy, across file systems) and must hash to what the run used. `executor` names
    /// where steps run (else as configured, with the project settings at the run's commit);
    /// `announce` hears what is about to happen, `events` what happens while the steps run. The worktree is gone when this returns or throws, unless `keep`:
    /// then it stays, with the reproduction's outputs, for inspection (announced, with the
    /// command that removes it).
    public func reproduce(
        _ run: RunRecord, keep: Bool = false, executor: String?, announce: (String) -> Void, events: @escaping RunEvents
    ) throws -> Runner.Outcome {
        guard run.status == RunStatus.succeeded.rawValue else { throw ReproduceError.notSucceeded(run: run.id, status: run.status) }
        guard let seed = run.seed else { throw ReproduceError.unreadable(run: run.id, what: "its seed") }
        let manifest = try run.manifest()
        let commit = try repository.commit(named: run.commit) ?? run.attachedTo
        let interruption = Interruption.install()
        announce("reproducing run \(run.id) (\(run.recipe), seed \(seed)) at \(commit.hex.prefix(12)) in a temporary worktree")
        let worktree = try ScratchWorktree(of: repository, at: commit)
        defer {
            if keep {
                announce("kept the reproduction's worktree: \(worktree.path) (remove it: git worktree remove --force \(worktree.path))")
            } else {
                worktree.remove()
            }
        }
        guard !interruption.isRequested else { throw ReproduceError.interrupted }

        // The commit may pin component sources this clone has not fetched (a run made
        // elsewhere, or an older pin): a reproduction fetches them, as a run does.
        let pinned = try Project.loadConfig(from: WorkingTreeFiles(root: worktree.path)).sources
        _ = try ComponentSources(repository: repository).fetchMissing(pinned, announce: announce)
        let scratch = try worktree.load(run.recipe, from: repository, announce: announce)
        let pipeline = scratch.pipeline
        let config = scratch.project.config
        let executor = try ExecutorChoice(option: executor, repository: repository, config: config).executor(config: config)
        // The reproduction's outputs go to the store of the repository (the worktree shares it),
        // so they can be checked out once the worktree is gone.
        let runner = scratch.runner(interruption: interruption, events: events)
        let preflight: Runner.Preflight
        do {
            preflight = try runner.preflight(allowDrift: true)
        } catch RunRefusal.staleLock(_, let changes) where !changes.isEmpty {
            throw ReproduceError.dataChanged(run: run.id, changes: changes)
        }
        for change in preflight.drift { announce("warning: this machine differs from the locked one: \(change)") }
        guard !interruption.isRequested else { throw ReproduceError.interrupted }

        let settings = try RunSettings(recipe: pipeline.recipe, overrides: manifest.overrides, seeds: [seed])
        let original = Reproduction(
            run: run.id, outputs: Dictionary(manifest.outputAndFileDigests) { first, _ in first }, metrics: run.metrics,
            tolerance: pipeline.recipe.tolerance)
        let outcome = try runner.run(settings, seed: seed, sweep: nil, preflight: preflight, on: executor, reproducing: original)
        try scratch.locker.finish()
        return outcome
    }
}

/// Why a run could not be reproduced.
public enum ReproduceError: RecipeError, Equatable {
    case notSucceeded(run: String, status: String)
    case unreadable(run: String, what: String)
    case several(name: String, runs: [String])
    case worktree(action: String, stderr: String)
    case bring(path: String, reason: String)
    case dataChanged(run: String, changes: [LockChange])
    case interrupted

    /// Exit 2 for a run that cannot be named or re-run, 1 for a refusal, 130 when interrupted.
    public var exitStatus: ExitStatus {
        switch self {
        case .notSucceeded, .unreadable, .several: .invalidInput
        case .worktree, .bring, .dataChanged: .checkFailed
        case .interrupted: .interrupted
        }
    }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .notSucceeded(let run, let status):
            "run \(run) \(status); only a succeeded run has results to reproduce (its logs: git recipe logs \(run))"
        case .unreadable(let run, let what):
            "run \(run) does not record \(what), so it cannot be re-run as it was (git recipe show \(run))"
        case .several(let name, let runs):
            "'\(name)' names \(runs.count) runs; reproduce one of them:\n" + runs.map { "  git recipe reproduce \($0)\n" }.joined()
        case .worktree(let action, let stderr):
            "could not \(action) in a temporary worktree:\n" + stderr.split(separator: "\n").map { "  \($0)\n" }.joined()
                + "check that git worktree add works here (git worktree list; git worktree prune)"
        case .bring(let path, let reason):
            "could not bring '\(path)' into the temporary worktree: \(reason)"
        case .dataChanged(let run, let changes):
            "the data that run \(run) used has changed since, so it cannot be reproduced here:\n" + changes.map { "  \($0)\n" }.joined()
                + "restore the data the run used (its digests: git recipe show \(run)), or reproduce a run made with the current data"
        case .interrupted:
            "interrupted before the reproduction started; nothing was recorded"
        }
    }
}
