import Foundation

/// `git recipe checkout RUN [PATH…]`: puts a recorded run's outputs back into
/// the work tree from the artifact store, every file verified against its digest. An output
/// already holding what the run made is left alone; one that holds what no recorded run
/// made is work that exists nowhere else, and is replaced only with `force`.
public struct OutputCheckout {
    /// The repository whose work tree receives the outputs.
    let repository: Repository
    /// Where the outputs come from.
    let store: ObjectStore
    /// Hashes what the work tree holds now.
    let locker: Locker

    /// Restores into `repository`'s work tree from its store.
    public init(repository: Repository) throws {
        self.repository = repository
        store = ObjectStore(repository: repository)
        locker = try Locker(repository: repository)
    }

    /// What happened to one output.
    public enum Outcome: Equatable, Sendable {
        /// Written from the store.
        case restored(files: Int)
        /// It already held what the run made.
        case unchanged
    }

    /// Restores `run`'s outputs, or those among them `paths` names (an output, or a file
    /// under a directory output names its directory), judging what the work tree holds
    /// against every run in `history`. Returns each output's outcome, in path order.
    public func restore(
        _ run: RunRecord, paths: [String], force: Bool, history: RunHistory
    ) throws -> [(output: String, outcome: Outcome)] {
        defer { try? locker.finish() }
        let manifest = try run.manifest()
        let outputs = try select(paths, among: manifest, run: run.id)
        try DeclaredOutputs(root: repository.workTree, paths: outputs.map(\.key)).checkNoSymlinks()
        let missing = outputs.flatMap { $0.value.files(at: $0.key) }.filter { file in
            ContentDigest(file.digest).map { !store.contains($0) } ?? true
        }
        guard missing.isEmpty else {
            // Asked only now, when something is missing: the stores may be across a network.
            let holding = try RemoteStores(repository: repository).holding(Set(missing.compactMap { ContentDigest($0.digest) }))
            throw CheckoutError.notStored(run: run.id, paths: missing.map(\.path), stores: holding.stores, unreachable: holding.unreachable)
        }

        var current: [String: String] = [:]
        for (path, _) in outputs where exists(path) { current[path] = try locker.measure([path])[0].digest.description }
        // Only an output that differs from the run's is judged against every other run.
        let differing = outputs.filter { path, output in current[path].map { $0 != output.digest } ?? false }.map(\.key)
        var overwritten: [String] = []
        if !differing.isEmpty {
            var produced: [String: Set<String>] = [:]
            for other in try history.allRuns() {
                guard let recorded = try? other.manifest() else { continue }
                for (path, output) in recorded.outputs { produced[path, default: []].insert(output.digest) }
            }
            overwritten = differing.filter { path in !(produced[path]?.contains(current[path] ?? "") ?? false) }
        }
        if !overwritten.isEmpty && !force { throw CheckoutError.wouldLoseWork(run: run.id, paths: overwritten) }

        return try outputs.map { path, output in
            if current[path] == output.digest { return (path, .unchanged) }
            let files = output.files(at: path)
            if path.hasSuffix("/") { try restoreDirectory(path, files) } else { try store.restore(try digest(output.digest), to: full(path)) }
            return (path, .restored(files: files.count))
        }
    }

    /// The outputs `paths` names, all of them when it names none.
    private func select(_ paths: [String], among manifest: RunManifest, run: String) throws -> [(key: String, value: RunManifest.Output)] {
        let all = manifest.outputs.byKeyBytes
        guard !paths.isEmpty else { return all }
        var chosen: [String: RunManifest.Output] = [:]
        for path in paths {
            let wanted = path.trimmingSlash
            let matches = all.filter { $0.key.trimmingSlash == wanted || ($0.key.hasSuffix("/") && wanted.hasPrefix($0.key)) }
            guard !matches.isEmpty else { throw CheckoutError.notAnOutput(path: path, run: run, outputs: all.map(\.key)) }
            for match in matches { chosen[match.key] = match.value }
        }
        return chosen.byKeyBytes
    }

    /// Replaces a directory output whole: its files are restored into a new directory beside
    /// it, which then takes its place, so no file of another run's is left in it.
    private func restoreDirectory(_ path: String, _ files: [(path: String, digest: String)]) throws {
        let target = full(path.trimmingSlash)
        let staging = "\(target).git-recipe-checkout"
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        for file in files {
            try store.restore(try digest(file.digest), to: staging + "/" + file.path.dropFirst(path.count))
        }
        let previous = "\(target).git-recipe-previous"
        try? FileManager.default.removeItem(atPath: previous)
        if exists(path) { try FileManager.default.moveItem(atPath: target, toPath: previous) }
        try FileManager.default.moveItem(atPath: staging, toPath: target)
        try? FileManager.default.removeItem(atPath: previous)
    }

    private func full(_ path: String) -> String { "\(repository.workTree)/\(path)" }

    private func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(full(path.trimmingSlash), &info) == 0
    }

    private func digest(_ text: String) throws(CheckoutError) -> ContentDigest {
        guard let digest = ContentDigest(text) else { throw .unreadableDigest(text) }
        return digest
    }
}

/// Why a run's outputs could not be checked out.
public enum CheckoutError: RecipeError, Equatable {
    case several(name: String, runs: [String])
    case notAnOutput(path: String, run: String, outputs: [String])
    /// The local store lacks files; `stores` are the configured stores that hold them all.
    case notStored(run: String, paths: [String], stores: [String], unreachable: [String])
    case wouldLoseWork(run: String, paths: [String])
    case unreadableDigest(String)

    /// Exit 2 for a path the run did not write; 1 when the store or the work tree refuses.
    public var exitStatus: ExitStatus {
        switch self {
        case .several, .notAnOutput, .unreadableDigest: .invalidInput
        case .notStored, .wouldLoseWork: .checkFailed
        }
    }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .several(let name, let runs):
            "'\(name)' names \(runs.count) runs; check out one of them:\n" + runs.map { "  git recipe checkout \($0)\n" }.joined()
        case .notAnOutput(let path, let run, let outputs):
            "'\(path)' is not an output of run \(run); its outputs: \(outputs.joined(separator: ", "))"
        case .notStored(let run, let paths, let stores, let unreachable):
            "this clone's store holds no copy of \(paths.count == 1 ? "" : "these files of ")run \(run)'s output\(paths.count == 1 ? "" : "s"): "
                + paths.joined(separator: ", ")
                + (stores.first.map { "; store '\($0)' has \(paths.count == 1 ? "it" : "them"): git recipe pull --artifacts \($0) \(run)" }
                    ?? "; no configured artifact store has \(paths.count == 1 ? "it" : "them all")"
                    + unreachable.map { " (could not ask \($0))" }.joined()
                    + ". Outputs are kept from runs made since the store exists (unless artifacts.keep is none), gc may have dropped them, "
                    + "and another clone's runs come with git recipe pull --artifacts STORE. Pin the runs you need: git recipe keep RUN")
        case .wouldLoseWork(let run, let paths):
            "\(paths.joined(separator: ", ")) \(paths.count == 1 ? "holds" : "hold") what no recorded run made, which checking out run \(run) "
                + "would lose; record it with a run, move it away, or pass --force to replace it"
        case .unreadableDigest(let text):
            "the manifest records '\(text)', which is not a digest (git recipe show RUN)"
        }
    }
}
