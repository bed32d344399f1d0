import CSpawn
import Foundation

/// Starts a program the way git-recipe starts every child: in `directory`, in a process
/// group of its own (so stopping the group stops everything it started), with default
/// signal dispositions and an empty signal mask whatever ours are, and with the given
/// descriptors as its stdin, stdout and stderr, and no other descriptor of ours.
func spawnGroup(
    _ arguments: [String], in directory: String, environment: [String: String],
    stdin: Int32, stdout: Int32, stderr: Int32
) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (source, target) in [(stdin, Int32(0)), (stdout, 1), (stderr, 2)] {
        posix_spawn_file_actions_adddup2(&actions, source, target)
    }
    // Nothing else of ours: a descriptor another thread opened without O_CLOEXEC would
    // otherwise reach the child and everything it starts.
    cspawn_file_actions_addclosefrom(&actions, 3)
    cspawn_file_actions_addchdir(&actions, directory)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    posix_spawnattr_setpgroup(&attributes, 0)
    var defaults = sigset_t()
    var empty = sigset_t()
    sigemptyset(&defaults)
    sigemptyset(&empty)
    for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setsigmask(&attributes, &empty)

    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for string in argv + envp { free(string) } }
    var pid = pid_t()
    let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
    guard result == 0 else { throw SpawnError(program: arguments[0], reason: String(cString: strerror(result))) }
    return pid
}

/// Waits for `pid`; returns its exit status, or 128 + the signal that ended it.
func waitForExit(_ pid: pid_t) -> Int32 { reap(pid).status }

/// Waits for `pid`; returns its exit status (or 128 + the signal that ended it) and what it
/// used, as `wait4` reports it: the CPU time of the child and of every descendant it waited
/// for, and the peak resident memory of the largest of them.
func reap(_ pid: pid_t) -> (status: Int32, usage: ResourceUsage) {
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let signal = status & 0x7f
    let cpu = [usage.ru_utime, usage.ru_stime].reduce(0.0) { $0 + Double($1.tv_sec) + Double($1.tv_usec) / 1_000_000 }
    return (signal == 0 ? (status >> 8) & 0xff : 128 + signal, ResourceUsage(cpuSeconds: cpu, peakMemory: usage.ru_maxrss * 1024))
}

/// What a process used while it ran.
public struct ResourceUsage: Equatable, Sendable {
    /// User and system CPU time, in seconds.
    public var cpuSeconds: Double
    /// Peak resident memory, in bytes.
    public var peakMemory: Int
}

/// A program could not be started.
struct SpawnError: Error, CustomStringConvertible {
    /// The program that could not start.
    let program: String
    /// Why.
    let reason: String
    var description: String { "cannot start \(program): \(reason)" }
}
