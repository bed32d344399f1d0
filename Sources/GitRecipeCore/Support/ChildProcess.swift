import Foundation

/// A program run to completion with its output captured, or stopped at a deadline together
/// with everything it started.
struct ChildProcess {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
        /// True when the deadline passed and the process group was killed.
        let timedOut: Bool
    }

    /// The program and its arguments; a bare name is looked up on PATH.
    let arguments: [String]
    var directory: String
    var environment = ProcessInfo.processInfo.environment

    /// Runs the program; output goes through unlinked temporary files, so neither a chatty
    /// child nor a full pipe can block it.
    func run(timeout: TimeInterval) throws -> Outcome {
        let stdout = try Self.scratchFile(), stderr = try Self.scratchFile()
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(null) }
        let pid = try spawnGroup(arguments, in: directory, environment: environment,
                                 stdin: null, stdout: stdout.fileDescriptor, stderr: stderr.fileDescriptor)
        let finished = DispatchSemaphore(value: 0)
        let status = Slots<Int32>(count: 1)
        DispatchQueue.global().async {
            status[0] = waitForExit(pid)
            finished.signal()
        }
        let timedOut = finished.wait(timeout: .now() + timeout) == .timedOut
        kill(-pid, SIGKILL)   // on time or not, nothing it started outlives it
        if timedOut { finished.wait() }
        return Outcome(status: status[0] ?? -1, stdout: try Self.contents(of: stdout),
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
