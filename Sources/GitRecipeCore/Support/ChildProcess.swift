import Foundation

/// A program run to completion with its output captured, or stopped at a deadline.
struct ChildProcess {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
        /// True when the deadline passed and the process was killed.
        let timedOut: Bool
    }

    let executable: String
    let arguments: [String]
    var directory: String
    var environment: [String: String]?

    /// Runs the program; output goes through unlinked temporary files, so neither a chatty
    /// child nor a full pipe can block it.
    func run(timeout: TimeInterval) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        if let environment { process.environment = environment }
        let stdout = try Self.scratchFile(), stderr = try Self.scratchFile()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        let timedOut = finished.wait(timeout: .now() + timeout) == .timedOut
        if timedOut {
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
        return Outcome(status: process.terminationStatus, stdout: try Self.contents(of: stdout),
                       stderr: try Self.contents(of: stderr), timedOut: timedOut)
    }

    private static func scratchFile() throws -> FileHandle {
        var template = Array((NSTemporaryDirectory() + "/git-recipe.XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw HashError(path: NSTemporaryDirectory(), errno: errno) }
        unlink(String(cString: template))
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    private static func contents(of handle: FileHandle) throws -> String {
        try handle.seek(toOffset: 0)
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    }
}
