import Foundation
import Synchronization

/// A step's command running as `/bin/sh -c` in the work tree, in a process group of its
/// own so that stopping it stops everything it started. Its stdout and stderr go to the
/// terminal as they come and, interleaved, to the step's log file.
final class StepProcess: Sendable {
    let pid: pid_t
    private let readers: DispatchGroup

    private init(pid: pid_t, readers: DispatchGroup) {
        self.pid = pid
        self.readers = readers
    }

    /// Starts `command` in the current directory (the runner moves to the work tree first);
    /// stdin is `/dev/null`, so a step cannot wait for input that never comes.
    static func start(_ command: String, environment: [String: String], log: FileHandle) throws -> StepProcess {
        var output: [Int32] = [0, 0], errors: [Int32] = [0, 0]
        guard pipe(&output) == 0, pipe(&errors) == 0 else { throw StepStartError(reason: String(cString: strerror(errno))) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        for descriptor in output + errors { posix_spawn_file_actions_addclose(&actions, descriptor) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        sigemptyset(&empty)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)

        let words: [String] = ["/bin/sh", "-c", command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let variables: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (arguments + variables).forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, arguments, variables)
        close(output[1])
        close(errors[1])
        guard result == 0 else {
            close(output[0])
            close(errors[0])
            throw StepStartError(reason: String(cString: strerror(result)))
        }
        let readers = DispatchGroup()
        let logLock = Mutex(())
        for (source, terminal) in [(output[0], STDOUT_FILENO), (errors[0], STDERR_FILENO)] {
            DispatchQueue.global().async(group: readers) {
                var buffer = [UInt8](repeating: 0, count: 64 * 1024)
                while true {
                    let count = read(source, &buffer, buffer.count)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { break }
                    buffer.withUnsafeBytes { bytes in
                        let chunk = UnsafeRawBufferPointer(rebasing: bytes[..<count])
                        writeAll(terminal, chunk)
                        logLock.withLock { _ in writeAll(log.fileDescriptor, chunk) }
                    }
                }
                close(source)
            }
        }
        return StepProcess(pid: pid, readers: readers)
    }

    /// Waits for the command and for its output to drain; returns its exit status, or
    /// 128 + the signal that ended it. Anything it left running in its group is stopped.
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        kill(-pid, SIGKILL)
        readers.wait()
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Asks the whole process group to stop, and makes sure it does within five seconds.
    func terminate() {
        kill(-pid, SIGTERM)
        let pid = self.pid
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) { kill(-pid, SIGKILL) }
    }
}

private func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
    }
}

/// A step's command could not be started at all.
struct StepStartError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "cannot start /bin/sh: \(reason)" }
}
