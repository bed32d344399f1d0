import Foundation

/// A service a `scripts/*-local` script starts on this machine for the tests (Slurm, sshd, an
/// S3-compatible server): started once per test process by `SCRIPT start`, which is
/// idempotent and prints `export NAME=VALUE` lines, the environment a client needs. On a
/// fresh machine the tests start it themselves; CI stops it after.
public struct LocalService: Sendable {
    /// The script's path.
    public let script: String
    /// What `start` exported, or `nil` when the service could not start here.
    public let exports: [String: String]?
    /// Why the tests that need it are skipped outside CI when it cannot start.
    public let skipReason: String

    /// Starts the service of `scripts/NAME` now.
    public init(_ name: String, skipReason: String) {
        script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../scripts/\(name)").standardizedFileURL.path
        self.skipReason = skipReason
        guard let result = try? run(script, ["start"], in: "/", environment: ProcessInfo.processInfo.environment), result.status == 0 else {
            exports = nil
            return
        }
        var exports: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") where line.hasPrefix("export ") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: equals)...])
            if value.hasPrefix("'") && value.hasSuffix("'") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            exports[String(line.dropFirst("export ".count)[..<equals])] = value
        }
        self.exports = exports
    }

    /// Whether its tests run: when it is up, and always in CI, where a service that did not
    /// start must fail the tests rather than skip them.
    public var isAvailable: Bool {
        exports != nil || ProcessInfo.processInfo.environment["CI"] != nil
    }

    /// The single-node Slurm cluster of `scripts/slurm-local`.
    public static let slurm = LocalService(
        "slurm-local",
        skipReason: "no Slurm here: scripts/slurm-local start needs root and slurmctld, slurmd, slurm-client and munge (scripts/install-deps.sh)")

    /// An sshd on 127.0.0.1 accepting a test key (`scripts/sshd-local`).
    public static let sshd = LocalService(
        "sshd-local", skipReason: "no sshd here: scripts/sshd-local start needs root and openssh-server (scripts/install-deps.sh)")

    /// podman set up for this machine, the example image, and podman's Docker-compatible API
    /// for the docker CLI (`scripts/containers-local`).
    public static let containers = LocalService(
        "containers-local",
        skipReason: "no container engine here: scripts/containers-local start needs root, podman, runc and catatonit (scripts/install-deps.sh)")

    /// An S3-compatible server on 127.0.0.1 that checks signatures (`scripts/s3-local`).
    public static let s3 = LocalService(
        "s3-local", skipReason: "no S3-compatible server here: scripts/s3-local start needs moto's server (pip install 'moto[server]')")

    /// An MLflow tracking server on 127.0.0.1 (`scripts/mlflow-local`).
    public static let mlflow = LocalService(
        "mlflow-local", skipReason: "no MLflow tracking server here: scripts/mlflow-local start needs mlflow (pip install mlflow)")
}
