import Foundation

/// A real git repository, made with the real `git` CLI in a fresh directory for one test,
/// with an identity, no signing, and a private HOME so the developer's config cannot leak in.
public final class TemporaryGitRepository: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let home: TemporaryDirectory

    public var path: String { directory.path }

    /// A repository in a fresh directory under the temporary directory, or under `parent`
    /// (a file system of the test's choosing).
    public init(initialCommit: Bool = false, in parent: String? = nil) throws {
        directory = try TemporaryDirectory("git-recipe-repo", in: parent)
        home = try TemporaryDirectory("git-recipe-home")
        try git("init", "-q", "-b", "main")
        try git("config", "user.email", "researcher@example.org")
        try git("config", "user.name", "A Researcher")
        try git("config", "commit.gpgsign", "false")
        if initialCommit {
            try write("README.md", "# experiment\n")
            try commitAll("initial commit")
        }
    }

    /// The environment child processes get: isolated from the developer's git setup, with
    /// the freshly built `git-recipe` first on PATH.
    public var environment: [String: String] {
        isolatedEnvironment(home: home.path, path: "\(BuiltProducts.directory):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")")
    }

    /// Runs the real `git` in the repository (or `subdirectory`) and fails on a non-zero exit.
    @discardableResult
    public func git(_ arguments: String..., in subdirectory: String? = nil) throws -> String {
        try git(arguments, in: subdirectory)
    }

    /// `git` with its arguments as an array.
    @discardableResult
    public func git(_ arguments: [String], in subdirectory: String? = nil) throws -> String {
        let result = try run("git", arguments, in: subdirectory.map { "\(path)/\($0)" } ?? path, environment: environment)
        guard result.status == 0 else { throw CommandFailure(command: "git " + arguments.joined(separator: " "), result: result) }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `git recipe …` through the real git CLI, which finds the built binary on PATH.
    public func recipe(_ arguments: String..., in subdirectory: String? = nil, environment extra: [String: String] = [:]) throws -> CommandResult {
        try recipe(arguments, in: subdirectory, environment: extra)
    }

    /// `git recipe` with its arguments as an array.
    public func recipe(_ arguments: [String], in subdirectory: String? = nil, environment extra: [String: String] = [:]) throws -> CommandResult {
        try run(
            "git", ["recipe"] + arguments, in: subdirectory.map { "\(path)/\($0)" } ?? path,
            environment: environment.merging(extra) { _, new in new })
    }

    /// Starts the built `git-recipe` with `arguments`, sends it SIGINT (Ctrl-C) once what it
    /// printed contains `marker` (or after ten seconds), and waits for it: its exit status and
    /// everything it printed, stdout and stderr interleaved.
    public func interrupt(_ arguments: [String], environment extra: [String: String] = [:], once marker: String = "started") throws
        -> CommandResult
    {
        let output = try TemporaryDirectory()
        guard FileManager.default.createFile(atPath: "\(output.path)/out", contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(BuiltProducts.directory)/git-recipe")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: path)
        process.environment = environment.merging(extra) { _, new in new }
        process.standardOutput = FileHandle(forWritingAtPath: "\(output.path)/out")
        process.standardError = FileHandle(forWritingAtPath: "\(output.path)/out")
        try process.run()
        for _ in 0..<200 where !((try? output.read("out"))?.contains(marker) ?? false) { Thread.sleep(forTimeInterval: 0.05) }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let printed = try output.read("out")
        return CommandResult(status: process.terminationStatus, stdout: printed, stderr: printed)
    }

    public func write(_ relativePath: String, _ contents: String) throws {
        try directory.write(relativePath, contents)
    }

    public func read(_ relativePath: String) throws -> String {
        try directory.read(relativePath)
    }

    public func commitAll(_ message: String) throws {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
    }
}

/// A command a test needed failed.
public struct CommandFailure: Error, CustomStringConvertible {
    public let command: String
    public let result: CommandResult

    public init(command: String, result: CommandResult) {
        self.command = command
        self.result = result
    }

    public var description: String { "\(command) failed: \(result)" }
}

/// Where `swift build` put the products, next to the test bundle.
public enum BuiltProducts {
    public static let directory: String = {
        let bundle = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = bundle.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appending(path: "git-recipe").path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.path
    }()
}
