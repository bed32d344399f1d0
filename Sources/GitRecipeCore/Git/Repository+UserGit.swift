import Foundation

extension Repository {
    /// Runs the user's own `git` on this repository, for what it does better than libgit2:
    /// transports with the user's credentials and URL rewrites, checkouts with their filters
    /// (Git LFS). It runs in the work tree and in our process group, so SSH and credential
    /// prompts reach the terminal; its stdout goes to our stderr, its stderr (in the C
    /// locale) is kept for the error message. The repository is named explicitly: what git
    /// exported to us may name another checkout. `environment` adds variables (`GIT_INDEX_FILE`).
    func runGit(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, stderr: String) {
        try Self.runUserGit(["--git-dir=\(gitDirectory)", "--work-tree=\(workTree)"] + arguments, in: workTree, environment: extra)
    }

    /// Runs the user's `git` with `arguments` in `directory`, as ``runGit(_:environment:)``
    /// does: in our process group, its stdout to our stderr, its stderr kept, without the
    /// variables that would name another repository.
    static func runUserGit(_ arguments: [String], in directory: String, environment extra: [String: String] = [:]) throws -> (
        status: Int32, stderr: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        for name in Self.locationVariables { environment[name] = nil }
        environment["LC_ALL"] = "C"
        environment.merge(extra) { _, extra in extra }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.standardError
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }

    /// Runs the user's `git` as `runGit` does; a failure throws, with what was being done.
    func runGitChecked(_ arguments: [String], environment: [String: String] = [:], doing operation: String) throws {
        let result = try runGit(arguments, environment: environment)
        guard result.status == 0 else {
            throw GitError(operation: "\(operation) (git \(arguments.prefix(2).joined(separator: " ")))", code: result.status, message: result.stderr)
        }
    }
}
