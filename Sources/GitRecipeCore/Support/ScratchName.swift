import Foundation

/// Names of scratch files, directories and refs: `PID-RANDOM`, after the process that made
/// them, so that whoever finds one later can tell whether its maker is gone (killed, or the
/// machine went down) and the thing is left over.
enum ScratchName {
    /// A new name for this process.
    static func make() -> String {
        "\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    /// Whether `name` (a `PID-…` name) was made by a process that no longer exists; a name
    /// of another form is never judged abandoned.
    static func isAbandoned(_ name: String) -> Bool {
        guard let pid = name.split(separator: "-").first.flatMap({ pid_t($0) }), pid > 0, pid != getpid() else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
