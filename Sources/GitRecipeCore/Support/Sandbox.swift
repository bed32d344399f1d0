import Foundation

/// A command run under bubblewrap (`sandbox: true`): the whole file system
/// read-only, a fresh `/tmp`, no network unless asked for, and the repository empty but for
/// the paths the step declares — its inputs read-only, its outputs and the run's directory
/// writable. A read of anything else in the repository finds nothing; a write anywhere
/// else fails. Built as bubblewrap's own argument list, never through a shell.
public struct Sandbox: Sendable {
    /// The repository's work tree, hidden but for what follows.
    public let root: String
    /// Absolute paths shown read-only.
    public var readable: [String] = []
    /// Absolute paths shown writable; each must exist (an output's placeholder).
    public var writable: [String] = []
    /// Whether the command may use the network.
    public var network = false

    /// A sandbox over the repository at `root`.
    public init(root: String) {
        self.root = root
    }

    /// bubblewrap's command line for `command`, run in `root`. Paths that do not exist are
    /// left out (an input nobody wrote yet reads as missing, as it would outside); parents
    /// are bound before what lies under them.
    public func arguments(_ command: String) -> [String] {
        var arguments = [
            "bwrap", "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
        ]
        if !network { arguments.append("--unshare-net") }
        arguments += ["--tmpfs", root]
        let binds = readable.map { ($0, "--ro-bind") } + writable.map { ($0, "--bind") }
        for (path, option) in binds.sorted(by: { $0.0.count < $1.0.count }) where FileManager.default.fileExists(atPath: path) {
            arguments += [option, path, path]
        }
        return arguments + ["--remount-ro", root, "--chdir", root, "/bin/sh", "-c", command]
    }

    /// bubblewrap's version line (`bubblewrap 0.8.0`), which the manifest records; `nil`
    /// when it is not installed.
    public static func version() -> String? {
        guard let outcome = try? ChildProcess(arguments: ["bwrap", "--version"], directory: "/").run(), outcome.status == 0 else {
            return nil
        }
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
