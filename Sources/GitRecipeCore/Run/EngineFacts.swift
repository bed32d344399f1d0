import Foundation

/// What the container engine said that cannot change, remembered in
/// `.git/recipes/engine-facts` so that a run in an image does not start the engine (≈ 40 ms
/// each) to ask it again:
/// - its version line, per engine binary: a version is compiled into its binary, so the
///   line is asked again (`podman --version`) only when the binary on PATH is another file
///   or has changed (device, inode, size, modification and change times, as the hash cache
///   compares files);
/// - the id of each image reference (`NAME@sha256:…`): the reference's digest fixes the
///   manifest, and the manifest fixes the configuration whose digest the id is. Whether the
///   image is still here is not remembered: the engine, asked to run an image removed since,
///   pulls it by the same digest or fails the step at once (exit 125); then the id is
///   forgotten (``forget(_:of:)``), and the next run asks, pulls or refuses before any step.
struct EngineFacts: Sendable {
    /// The file the facts are kept in.
    let path: String

    /// The facts kept for `repository`.
    init(repository: Repository) {
        path = "\(repository.commonDirectory)/recipes/engine-facts"
    }

    /// `engine`'s version line, from the file when its binary is unchanged.
    func version(of engine: ContainerEngine) throws -> String {
        guard let binary = ProgramPath.find(engine.kind.rawValue) else { return try engine.version() }
        var info = stat()
        guard stat(binary, &info) == 0 else { return try engine.version() }
        let stamp = FileStamp(info)
        let key = "version \(binary) \(stamp.device) \(stamp.inode) \(stamp.size) \(stamp.modified) \(stamp.changed)"
        if let line = facts()[key] { return line }
        let line = try engine.version()
        update {
            $0 = $0.filter { !$0.key.hasPrefix("version \(binary) ") }
            $0[key] = line
        }
        return line
    }

    /// The id of `image` as `engine` holds it: remembered, or asked (pulling the image by its
    /// digest when it is not here; see ``ContainerEngine/resolve(_:)``) and then remembered.
    /// `nil` for an engine that keeps no ids.
    func imageID(of image: String, on engine: ContainerEngine) throws -> String? {
        if let id = facts()[Self.key(image, engine)] { return id }
        guard let id = try engine.resolve(image) else { return nil }
        update { $0[Self.key(image, engine)] = id }
        return id
    }

    /// Forgets `image`'s id: a step in it could not be started, so the next run asks the engine.
    func forget(_ image: String, of engine: ContainerEngine) {
        update { $0[Self.key(image, engine)] = nil }
    }

    /// The key of an image's id.
    private static func key(_ image: String, _ engine: ContainerEngine) -> String { "image \(engine.kind.rawValue) \(image)" }

    /// The facts in the file; none when it is missing or unreadable.
    func facts() -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: path)))) ?? [:]
    }

    /// Rewrites the file with `change` made to its facts, holding a lock beside it: the
    /// engine's version and each image's id are asked at once on threads of their own, and
    /// runs may start together, so an unlocked read and rewrite would drop what another has
    /// just remembered. Only a cache: a run goes on when the file cannot be written.
    func update(_ change: (inout [String: String]) -> Void) {
        try? FileLock.withLock("\(path).lock") {
            var known = facts()
            change(&known)
            guard let data = try? JSONEncoder().encode(known) else { return }
            var transaction = FileTransaction()
            transaction.write(data, to: URL(fileURLWithPath: path))
            try transaction.commit()
        }
    }
}
