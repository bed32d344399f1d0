import Foundation

/// A program run to completion with its output captured, or stopped at a deadline together
/// with everything it started.
///
/// It learns that the program ended from `waitpid`, never from a descriptor the program
/// holds: a daemon the program starts may keep every descriptor it inherited for as long as
/// it lives, and the run still returns when the program itself exits.
public struct ChildProcess: Sendable {
    /// How the program ended and what it printed.
    public struct Outcome {
        /// Its exit status; 128 + N when signal N ended it.
        public let status: Int32
        /// What it wrote to stdout.
        public let stdout: String
        /// What it wrote to stderr.
        public let stderr: String
        /// True when the deadline passed and the process group was killed.
        let timedOut: Bool
    }

    /// The program and its arguments; a bare name is looked up on PATH.
    public let arguments: [String]
    /// Where it runs.
    public var directory: String
    /// Its whole environment.
    public var environment: [String: String]
    /// What the program reads on its standard input (nothing: `/dev/null`).
    public var input: Data?
    /// A file the program reads as its standard input instead of `input`.
    var inputFile: String?
    /// A new file (it must not exist) that receives the program's standard output instead of
    /// it being captured.
    var outputFile: String?

    /// A process to run `arguments` (the program first, looked up on PATH) in `directory`.
    public init(arguments: [String], directory: String, environment: [String: String] = ProcessInfo.processInfo.environment, input: Data? = nil) {
        self.arguments = arguments
        self.directory = directory
        self.environment = environment
        self.input = input
    }

    /// Runs the program; output goes through unlinked temporary files, so neither a chatty
    /// child nor a full pipe can block it. With a deadline, its process group is killed at the
    /// end, on time or not: nothing it started in that group outlives it. Without one, what it
    /// leaves running in the background stays (a test's server).
    public func run(timeout: TimeInterval = .infinity) throws -> Outcome {
        let stdout = try outputFile.map { try Self.open($0, O_WRONLY | O_CREAT | O_EXCL) } ?? Self.scratchFile()
        let stderr = try Self.scratchFile()
        let stdin: FileHandle
        if let inputFile {
            stdin = try Self.open(inputFile, O_RDONLY)
        } else if let input {
            stdin = try Self.scratchFile()
            try stdin.write(contentsOf: input)
            try stdin.seek(toOffset: 0)
        } else {
            stdin = try Self.open("/dev/null", O_RDONLY)
        }
        let pid = try spawnGroup(
            arguments, in: directory, environment: environment,
            stdin: stdin.fileDescriptor, stdout: stdout.fileDescriptor, stderr: stderr.fileDescriptor)
        ChildGroups.add(pid)
        defer { ChildGroups.remove(pid) }
        guard timeout.isFinite else {
            let status = waitForExit(pid)
            return Outcome(status: status, stdout: try captured(stdout), stderr: try Self.contents(of: stderr), timedOut: false)
        }
        let finished = DispatchSemaphore(value: 0)
        let status = Slots<Int32>(count: 1)
        onOwnThread {
            status[0] = waitForExit(pid)
            finished.signal()
        }
        let timedOut = finished.wait(timeout: .now() + timeout) == .timedOut
        kill(-pid, SIGKILL)
        if timedOut { finished.wait() }
        return Outcome(
            status: status[0] ?? -1, stdout: try captured(stdout),
            stderr: try Self.contents(of: stderr), timedOut: timedOut)
    }

    /// What the child printed, unless it went to `outputFile`.
    private func captured(_ stdout: FileHandle) throws -> String {
        outputFile == nil ? try Self.contents(of: stdout) : ""
    }

    /// `path` opened with `flags` (a created file is mode 0600 until its owner says otherwise).
    private static func open(_ path: String, _ flags: Int32) throws -> FileHandle {
        let descriptor = Glibc.open(path, flags | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// An unlinked temporary file the child writes its output to.
    private static func scratchFile() throws -> FileHandle {
        var template = Array((NSTemporaryDirectory() + "/git-recipe.XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw FileWriteError(path: NSTemporaryDirectory(), reason: String(cString: strerror(errno))) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)  // only the child's dup2 copies reach it
        unlink(template)
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// What the child wrote to `handle`.
    private static func contents(of handle: FileHandle) throws -> String {
        try handle.seek(toOffset: 0)
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    }
}
