import Foundation

/// Which executor runs a run's steps: `--executor`, else `git config recipe.executor`, else
/// `executors.default` in `.recipes/config.yaml`. A Slurm cluster must be reachable before
/// anything runs: a run never quietly goes elsewhere.
public enum ExecutorChoice: String, Sendable {
    case local
    case slurm

    /// The executor named by `option`, or configured.
    public init(option: String?, repository: Repository, config: ProjectConfig) throws {
        let (name, source): (String, String) =
            if let option {
                (option, "--executor")
            } else if let configured = try repository.config("recipe.executor") {
                (configured, "git config recipe.executor")
            } else {
                (config.defaultExecutor, "executors.default in \(ProjectConfig.file)")
            }
        guard let choice = ExecutorChoice(rawValue: name) else { throw RunInputError.unknownExecutor(name, source: source) }
        self = choice
    }

    /// The executor itself, connected: for Slurm, the cluster has answered. Locally, steps
    /// run at once on up to `jobs` cores (all of this machine's by default); `failFast` stops
    /// them all when one fails. Slurm decides for itself.
    public func executor(config: ProjectConfig, jobs: Int? = nil, failFast: Bool = false) throws -> any StepExecutor {
        switch self {
        case .local: LocalExecutor(jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, failFast: failFast)
        case .slurm: SlurmExecutor(cluster: try SlurmCluster(settings: config.slurm))
        }
    }
}
