import Foundation

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

/// Runs `executable` (looked up on `PATH` when not a path) and waits for it. Output goes
/// through temporary files, so a chatty child can never block on a full pipe.
@discardableResult
public func run(
    _ executable: String, _ arguments: [String], in directory: String, environment: [String: String], input: String = ""
) throws -> CommandResult {
    let scratch = try TemporaryDirectory("git-recipe-output")
    let files = ["stdin", "stdout", "stderr"].map { "\(scratch.path)/\($0)" }
    FileManager.default.createFile(atPath: files[0], contents: Data(input.utf8))
    FileManager.default.createFile(atPath: files[1], contents: nil)
    FileManager.default.createFile(atPath: files[2], contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = environment
    process.standardInput = FileHandle(forReadingAtPath: files[0])
    process.standardOutput = FileHandle(forWritingAtPath: files[1])
    process.standardError = FileHandle(forWritingAtPath: files[2])
    try process.run()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: try scratch.read("stdout"), stderr: try scratch.read("stderr"))
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
public func runConcurrently(_ commands: [(executable: String, arguments: [String], directory: String)], environment: [String: String]) throws -> [Int32] {
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
