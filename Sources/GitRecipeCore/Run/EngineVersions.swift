import Foundation

/// The container engine's version line, remembered per engine binary in
/// `.git/recipes/engine-versions`: a version is compiled into its binary, so the line is
/// asked again (`podman --version`, ≈ 40 ms) only when the binary on PATH is another file or
/// has changed (device, inode, size, modification and change times, as the hash cache
/// compares files). Saves a run in an image one engine start.
struct EngineVersions {
    /// The file the lines are kept in.
    let path: String

    /// The versions kept for `repository`.
    init(repository: Repository) {
        path = "\(repository.commonDirectory)/recipes/engine-versions"
    }

    /// `engine`'s version line, from the file when its binary is unchanged.
    func version(of engine: ContainerEngine) throws -> String {
        guard let binary = Self.binary(engine.kind.rawValue) else { return try engine.version() }
        var info = stat()
        guard stat(binary, &info) == 0 else { return try engine.version() }
        let stamp = FileStamp(info)
        let key = "\(binary) \(stamp.device) \(stamp.inode) \(stamp.size) \(stamp.modified) \(stamp.changed)"
        var known = (try? JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: path)))) ?? [:]
        if let line = known[key] { return line }
        let line = try engine.version()
        known = known.filter { !$0.key.hasPrefix(binary + " ") }
        known[key] = line
        // Only a cache: a run goes on when it cannot be written.
        if let data = try? JSONEncoder().encode(known) {
            var transaction = FileTransaction()
            transaction.write(data, to: URL(fileURLWithPath: path))
            try? transaction.commit()
        }
        return line
    }

    /// The file `name` runs from on PATH, links resolved.
    private static func binary(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return path.lazy.map { "\($0)/\(name)" }.first { (candidate: String) in access(candidate, X_OK) == 0 }.map {
            URL(fileURLWithPath: $0).resolvingSymlinksInPath().path
        }
    }
}
