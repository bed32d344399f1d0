import Foundation

/// Where a program a command names runs from, found as the shell finds it.
enum ProgramPath {
    /// This process's `PATH`, split (`/usr/bin:/bin` when it has none).
    static var searchPath: [String] {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
    }

    /// `name` itself when it holds a `/` and is executable; else the first executable
    /// `DIRECTORY/name` of `path`'s directories. Links resolved; `nil` when there is none.
    static func find(_ name: String, on path: [String] = searchPath) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let found = path.lazy.map { "\($0)/\(name)" }.first { (candidate: String) in access(candidate, X_OK) == 0 }
        return found.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
    }
}
