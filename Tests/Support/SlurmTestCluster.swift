import Foundation

/// The single-node Slurm cluster of `scripts/slurm-local`, started once per test process
/// (the script is idempotent; on a fresh machine the tests start it themselves, and CI stops it after).
public enum SlurmTestCluster {
    /// The path of `scripts/slurm-local`.
    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../scripts/slurm-local")
        .standardizedFileURL.path

    /// The `SLURM_CONF` of the running cluster, or `nil` when it cannot run here.
    public static let configuration: String? = {
        guard let result = try? run(script, ["start"], in: "/", environment: ProcessInfo.processInfo.environment), result.status == 0,
            let line = result.stdout.split(separator: "\n").last(where: { $0.hasPrefix("export SLURM_CONF=") })
        else { return nil }
        return String(line.dropFirst("export SLURM_CONF=".count))
    }()

    /// Whether the Slurm tests run: when the cluster is up, and always in CI, where a
    /// cluster that did not start must fail the tests rather than skip them.
    public static var isAvailable: Bool {
        configuration != nil || ProcessInfo.processInfo.environment["CI"] != nil
    }

    /// Why they are skipped elsewhere.
    public static let skipReason =
        "no Slurm here: scripts/slurm-local start needs root and slurmctld, slurmd, slurm-client and munge (scripts/install-deps.sh)"
}
