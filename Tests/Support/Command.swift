import Foundation
import GitRecipeCore

/// The outcome of running a program to completion.
public struct CommandResult: Sendable, CustomStringConvertible {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// An environment for child processes that cannot see the developer's own git setup:
/// a private HOME, no system config, and none of the variables git exports to hooks.
public func isolatedEnvironment(home: String, path: String? = nil) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GIT_") }
    environment["HOME"] = home
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["LC_ALL"] = "C"
    environment.removeValue(forKey: "NO_COLOR")
    if let path { environment["PATH"] = path }
    return environment
}

/// Runs `executable` (looked up on `PATH` when not a path) and waits for it, through the
/// engine's own `ChildProcess`: output goes through files, so a chatty child can never block
/// on a full pipe, and the end is learnt from `waitpid`, so a daemon the program leaves
/// running (the Slurm tests' cluster) cannot keep the test waiting.
@discardableResult
public func run(
    _ executable: String, _ arguments: [String], in directory: String, environment: [String: String], input: String = ""
) throws -> CommandResult {
    let outcome = try ChildProcess(
        arguments: ["/usr/bin/env", executable] + arguments, directory: directory, environment: environment,
        input: Data(input.utf8)
    ).run()
    return CommandResult(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
}

/// SHA-256 of a file as `openssl dgst` computes it: the independent reference for digests.
public func opensslSHA256(_ path: String) throws -> String {
    let result = try run("openssl", ["dgst", "-sha256", "-r", path], in: "/", environment: ["PATH": "/usr/bin:/bin"])
    guard result.status == 0 else { throw CommandFailure(command: "openssl dgst -sha256 \(path)", result: result) }
    return String(result.stdout.prefix(64))
}

/// Starts every command at once and waits for all of them: for tests of concurrent writers.
/// Processes are started directly, not through `sh … &`, which inherits the test runner's
/// blocked SIGCHLD and then waits forever.
public func runConcurrently(_ commands: [(executable: String, arguments: [String], directory: String)], environment: [String: String]) throws
    -> [Int32]
{
    let processes = try commands.map { command in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command.executable)
        process.arguments = command.arguments
        process.currentDirectoryURL = URL(fileURLWithPath: command.directory)
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
    return processes.map { process in
        process.waitUntilExit()
        return process.terminationStatus
    }
}
