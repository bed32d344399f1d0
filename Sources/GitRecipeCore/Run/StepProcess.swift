import Foundation
import Synchronization

/// A step's command line running in the work tree (`/bin/sh -c COMMAND`, or the container
/// engine's or bubblewrap's around it), in a process group of its own so that stopping it
/// stops everything it started. Its stdout and stderr go to the
/// terminal as they come and, interleaved, to the step's log file.
final class StepProcess: Sendable {
    /// The shell's pid: its process group's id.
    let pid: pid_t
    /// The threads copying its output, waited for before its end is reported.
    private let readers: DispatchGroup

    /// A started step.
    private init(pid: pid_t, readers: DispatchGroup) {
        self.pid = pid
        self.readers = readers
    }

    /// Starts `arguments` (the program first, looked up on PATH) in `directory`; stdin is
    /// `/dev/null`, so a step cannot wait for input that never comes. With `prefix`, each
    /// line it prints goes to the terminal after it (`[train] `), so that steps running at
    /// once can be told apart; the log has the lines as printed.
    static func start(
        _ arguments: [String], in directory: String, environment: [String: String], log: FileHandle, prefix: String? = nil
    ) throws -> StepProcess {
        var output: [Int32] = [0, 0]
        var errors: [Int32] = [0, 0]
        guard pipe(&output) == 0, pipe(&errors) == 0 else { throw StepStartError(reason: String(cString: strerror(errno))) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(null) }
        let pid: pid_t
        do {
            pid = try spawnGroup(
                arguments, in: directory, environment: environment,
                stdin: null, stdout: output[1], stderr: errors[1])
        } catch {
            for descriptor in output + errors { close(descriptor) }
            throw error
        }
        close(output[1])
        close(errors[1])
        let readers = DispatchGroup()
        let logLock = Mutex(())
        for (source, terminal) in [(output[0], STDOUT_FILENO), (errors[0], STDERR_FILENO)] {
            onOwnThread(group: readers) {
                var buffer = [UInt8](repeating: 0, count: 64 * 1024)
                var lines = prefix.map { LinePrefixer(prefix: $0) }
                while true {
                    let count = read(source, &buffer, buffer.count)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { break }
                    buffer.withUnsafeBytes { bytes in
                        let chunk = UnsafeRawBufferPointer(rebasing: bytes[..<count])
                        if var prefixer = lines {
                            prefixer.lines(in: chunk).withUnsafeBytes { writeAll(terminal, $0) }
                            lines = prefixer
                        } else {
                            writeAll(terminal, chunk)
                        }
                        logLock.withLock { _ in writeAll(log.fileDescriptor, chunk) }
                    }
                }
                if var prefixer = lines { prefixer.rest().withUnsafeBytes { writeAll(terminal, $0) } }
                close(source)
            }
        }
        return StepProcess(pid: pid, readers: readers)
    }

    /// Waits for the command and for its output to drain; returns its exit status (or
    /// 128 + the signal that ended it) and what it used. Anything it left running in its
    /// group is stopped.
    func wait() -> (status: Int32, usage: ResourceUsage) {
        let ended = reap(pid)
        kill(-pid, SIGKILL)
        readers.wait()
        return ended
    }

    /// Asks the whole process group to stop, and makes sure it does within five seconds.
    func terminate() {
        kill(-pid, SIGTERM)
        let pid = self.pid
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) { kill(-pid, SIGKILL) }
    }
}

/// Puts a prefix before each whole line of a stream that arrives in chunks: a line is
/// written once it ends (`\n` or `\r`), so two steps' lines never interleave mid-line.
struct LinePrefixer {
    /// What goes before each line.
    let prefix: [UInt8]
    /// The start of a line not ended yet.
    private var pending: [UInt8] = []

    /// A prefixer writing `prefix` before each line.
    init(prefix: String) {
        self.prefix = Array(prefix.utf8)
    }

    /// The lines `chunk` completes, each after the prefix.
    mutating func lines(in chunk: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        var rest = chunk[...]
        // A carriage return ends a line too (progress bars redraw theirs), and a line
        // longer than 64 KiB goes out in pieces rather than wait.
        while let end = rest.firstIndex(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            out += prefix + pending
            out += rest[...end]
            pending.removeAll(keepingCapacity: true)
            rest = rest[(end + 1)...]
        }
        pending += rest
        if pending.count >= 64 * 1024 {
            out += prefix + pending
            pending.removeAll(keepingCapacity: true)
        }
        return out
    }

    /// An unended last line, ended, once the stream closes.
    mutating func rest() -> [UInt8] {
        guard !pending.isEmpty else { return [] }
        defer { pending = [] }
        return prefix + pending + [UInt8(ascii: "\n")]
    }
}

/// Writes every byte of `bytes` to `descriptor`, retrying short writes.
private func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, base + offset, bytes.count - offset)
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
    }
}

/// A step's pipes could not be made.
struct StepStartError: Error, CustomStringConvertible {
    /// Why it could not start.
    let reason: String
    var description: String { "cannot start the step: \(reason)" }
}
