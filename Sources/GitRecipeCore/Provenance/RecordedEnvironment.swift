/// Which environment variables a run records: the recipe's own `vars` and an allow-list of
/// variables known to change results. Never a name that looks like a secret.
enum RecordedEnvironment {
    /// Variables known to change results, recorded when set.
    static let allowList: Set<String> = [
        "CUDA_VISIBLE_DEVICES", "CUBLAS_WORKSPACE_CONFIG", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "PYTHONHASHSEED", "TF_DETERMINISTIC_OPS",
        "TF_CUDNN_DETERMINISTIC", "LANG", "LC_ALL", "TZ", "VIRTUAL_ENV", "CONDA_DEFAULT_ENV",
        "SLURM_JOB_ID", "SLURM_CLUSTER_NAME",
    ]
    /// Words that mark a variable as a secret: never recorded.
    static let secretMarkers = ["TOKEN", "SECRET", "PASSWORD", "KEY", "CREDENTIAL"]

    /// Whether `name` looks like a secret's.
    static func isSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return secretMarkers.contains { upper.contains($0) }
    }

    /// The variables to record from `environment`, given the recipe's own `vars`.
    static func record(_ environment: [String: String], recipeVars: [String: String]) -> [String: String] {
        environment.filter { (allowList.contains($0.key) || recipeVars[$0.key] != nil) && !isSecret($0.key) }
    }
}
