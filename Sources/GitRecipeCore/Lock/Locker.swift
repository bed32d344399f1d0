import Foundation

/// Computes the lock each recipe should have now, compares it with the lock on disk, and
/// writes locks. Holds the hash cache for the whole command; call ``finish()`` at the end.
public final class Locker: Sendable {
    /// How long a probe may run before it counts as hung, unless `recipe.probeTimeout`
    /// (seconds) says otherwise.
    static let defaultProbeTimeout = 30

    /// The work tree, the root of every input path.
    private let workTree: String
    /// Digests of files already hashed, by file identity.
    private let cache: HashCache
    /// Hashes inputs through the cache.
    private let hasher: TreeHasher
    /// Fetched assets, by digest.
    private let assets: AssetStore
    /// The `recipe.*` configuration, read once: locks are computed on several threads, and
    /// a libgit2 repository must not be used from more than one at a time.
    private let settings: [String: String]
    /// Runs the recipes' probes, through the probe cache.
    private let probes: Probes
    /// Where pinned component sources are fetched.
    private let sources: String

    /// Where `repository` keeps its hash cache.
    static func hashCache(of repository: Repository) -> String { "\(repository.gitDirectory)/recipes/hash-cache" }

    /// `hashCache` defaults to the repository's own; the cache is keyed by file identity, not
    /// path, so another worktree's serves files hard-linked from it.
    /// `probes` says whether probe outputs may come from the probe cache (see `Probes`).
    public init(repository: Repository, progress: HashProgress? = nil, hashCache: String? = nil, probes: ProbeMode = .cached) throws {
        workTree = repository.workTree
        sources = SourceRepository.path(in: repository.commonDirectory)
        cache = HashCache(at: hashCache ?? Self.hashCache(of: repository))
        hasher = TreeHasher(cache: cache, progress: progress)
        settings = try repository.config(matching: "^recipe\\.")
        var assets = AssetStore(directory: "\(repository.commonDirectory)/recipes/assets")
        // git lower-cases key names: recipe.assetTimeout is recipe.assettimeout.
        if let seconds = settings["recipe.assettimeout"].flatMap(Int.init), seconds > 0 { assets.timeout = seconds }
        if let seconds = settings["recipe.assetstalltimeout"].flatMap(Int.init), seconds > 0 { assets.stallTimeout = seconds }
        self.assets = assets
        // git lower-cases section and key names: recipe.probeTimeout is recipe.probetimeout.
        let timeout = settings["recipe.probetimeout"].flatMap(Int.init) ?? Self.defaultProbeTimeout
        self.probes = Probes(
            workTree: workTree, cachePath: "\(repository.commonDirectory)/recipes/probe-cache", timeout: timeout, mode: probes,
            engineName: settings["recipe.containerengine"])
    }

    /// Why the hash cache on disk was discarded, if it was: for a warning.
    public var cacheWarning: String? { cache.warning }

    /// Saves the hash cache and the probe cache.
    public func finish() throws {
        try FileManager.default.createDirectory(atPath: (cache.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try cache.save()
        try probes.save()
    }

    /// The locks `pipelines` should have, computed concurrently (recipes are independent,
    /// and walking a large tree is mostly waiting on the kernel). The first error, in
    /// pipeline order, is thrown.
    public func locks(_ pipelines: [Pipeline]) throws -> [Lockfile] {
        let results = Slots<Result<Lockfile, any Error>>(count: pipelines.count)
        DispatchQueue.concurrentPerform(iterations: pipelines.count) { index in
            results[index] = Result { try lock(pipelines[index]) }
        }
        return try results.values.map { try $0.get() }
    }

    /// Content a lock is judged against instead of the working tree: the pre-commit hook's
    /// view of a commit that does not exist yet.
    public struct Staged: Sendable {
        /// Digests of staged files, by path relative to the work tree.
        public let digests: [String: ContentDigest]
        /// Probe outputs to pin as they are: they describe a machine, not the commit.
        public let probes: [String: String]

        /// Compares against the given digests and probe outputs.
        public init(digests: [String: ContentDigest], probes: [String: String]) {
            self.digests = digests
            self.probes = probes
        }
    }

    /// The lock `pipeline` should have, from the files on disk, the probes' output on this
    /// machine and the assets (downloading any not yet in the store). With `staged`, staged
    /// files' digests stand for what is on disk, probes are not run, and nothing is downloaded.
    public func lock(_ pipeline: Pipeline, staged: Staged? = nil) throws -> Lockfile {
        let recipe = pipeline.recipe
        let root = workTree
        let hasher =
            staged.map { staged in
                TreeHasher(cache: cache, overlay: Dictionary(uniqueKeysWithValues: staged.digests.map { ("\(root)/\($0.key)", $0.value) }))
            } ?? self.hasher
        var labelled: [(label: String, request: TreeHasher.Request)] = []
        for (path, step) in pipeline.pinnedInputs {
            labelled.append(("input '\(path)' of step '\(step)'", repositoryRequest(path)))
        }
        for file in recipe.environment.files {
            labelled.append(("environment file '\(file.value)'", repositoryRequest(file.value)))
        }
        var pathAssets: [String] = []
        for asset in recipe.assets {
            guard case .path(let declared) = asset.source else { continue }
            let location = try assetLocation(asset.name.value, declared: declared.value)
            pathAssets.append(asset.name.value)
            labelled.append(("asset '\(asset.name.value)'", .init(path: location, isDirectory: nil, boundary: "/")))
        }
        // Probes run while the inputs are hashed: both mostly wait (on a program, on the disk).
        let probed = Slots<Result<[String: String], any Error>>(count: 1)
        let probing = DispatchGroup()
        if staged == nil && !recipe.environment.probes.isEmpty {
            onOwnThread(group: probing) { [probes] in
                probed[0] = Result { try probes.outputs(recipe.environment.probes.map { ($0.key, $0.value.value) }, recipe: recipe) }
            }
        }
        let digests: [ContentDigest]
        do {
            defer { probing.wait() }
            digests = try hasher.digests(of: labelled.map(\.request))
        } catch {
            let label = labelled.first { error.path == $0.request.path || error.path.hasPrefix($0.request.path + "/") }?.label ?? "an input"
            throw LockError.input(recipe: recipe.name, what: label, problem: error.description.replacingOccurrences(of: root + "/", with: ""))
        }
        var digest = digests.makeIterator()
        var lock = Lockfile(
            recipe: pipeline.structureDigest, seed: recipe.seed?.value, params: recipe.params,
            environmentFiles: [:], image: recipe.environment.image?.value, probes: [:], assets: [:], inputs: [:])
        for (path, _) in pipeline.pinnedInputs { lock.inputs[path] = digest.next() }
        for file in recipe.environment.files { lock.environmentFiles[file.value] = digest.next() }
        for name in pathAssets { lock.assets[name] = digest.next() }
        for asset in recipe.assets {
            guard case .url(let url, let sha256) = asset.source, let pinned = sha256.flatMap({ ContentDigest("sha256:" + $0.value) }) else {
                continue
            }
            if staged == nil { _ = try assets.fetch(asset.name.value, from: url.value, expecting: pinned) }
            lock.assets[asset.name.value] = pinned
        }
        lock.components = try pinnedSources(of: pipeline)
        if let staged {
            for name in recipe.environment.probes.keys { lock.probes[name] = staged.probes[name] ?? "" }
        } else if let outputs = try probed[0]?.get() {
            lock.probes = outputs
        }
        return lock
    }

    /// The commit and file digests of every pinned component source `pipeline`'s steps use,
    /// read from the source repository (its objects, not a checkout).
    private func pinnedSources(of pipeline: Pipeline) throws -> [String: Lockfile.PinnedSourceLock] {
        let pinned = pipeline.steps.compactMap(\.pinned)
        guard !pinned.isEmpty else { return [:] }
        guard let repository = try SourceRepository.open(at: sources) else { throw ComponentSourceError.notFetched(pinned[0].source) }
        var locks: [String: Lockfile.PinnedSourceLock] = [:]
        for component in pinned {
            var lock = locks[component.source.name] ?? Lockfile.PinnedSourceLock(commit: component.source.commit.description, files: [:])
            for entry in component.entries where lock.files[entry.path] == nil {
                lock.files[entry.path] = ContentDigest.of(try repository.blobContents(entry.blob))
            }
            locks[component.source.name] = lock
        }
        return locks
    }

    /// Digests and sizes of paths in the work tree (directories end in `/`), through the cache.
    func measure(_ paths: [String]) throws(InputError) -> [TreeHasher.Measured] {
        try hasher.measure(paths.map(repositoryRequest))
    }

    /// Where each asset of `recipe` is on this machine, and whether it came from the asset
    /// store (`cache`) or a path (`path`). Call after ``lock(_:)``, which fetches them.
    func assetLocations(of recipe: Recipe) throws -> [String: (path: String, from: String)] {
        var locations: [String: (path: String, from: String)] = [:]
        for asset in recipe.assets {
            switch asset.source {
            case .path(let declared):
                locations[asset.name.value] = (try assetLocation(asset.name.value, declared: declared.value), "path")
            case .url(_, let sha256):
                guard let digest = sha256.flatMap({ ContentDigest("sha256:" + $0.value) }) else { continue }
                locations[asset.name.value] = (assets.path(for: digest), "cache")
            }
        }
        return locations
    }

    /// Where a path asset is on this machine: `recipe.asset.NAME.path` if set, else as declared.
    private func assetLocation(_ name: String, declared: String) throws -> String {
        (settings["recipe.asset.\(name).path"] ?? declared).absolute(relativeTo: workTree)
    }

    /// A request to hash `path` in the work tree; a directory's path ends in `/`.
    private func repositoryRequest(_ path: String) -> TreeHasher.Request {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        return .init(path: "\(workTree)/\(trimmed)", isDirectory: path.hasSuffix("/"), boundary: workTree)
    }

    /// How the lock on disk relates to `fresh`, the lock the recipe should have.
    public func state(of recipe: String, against fresh: Lockfile, files: any ProjectFiles) throws -> LockState {
        let path = Lockfile.path(for: recipe)
        let text: String
        do {
            guard let read = try files.read(path) else { return .missing }
            text = read
        } catch let notText as NotText {
            return .untrusted(.corrupt(file: path, reason: "\(notText.message) (line \(notText.line))", fix: "git recipe lock \(recipe)"))
        }
        // Locks are byte-stable, so the common case needs no parsing at all.
        let rendered = fresh.rendered()
        if text == rendered { return .fresh }
        let current: LockEntries
        do {
            current = try LockEntries(parsing: text, file: path, recipe: recipe)
        } catch {
            return .untrusted(error)
        }
        let expected = try LockEntries(parsing: rendered, file: path, recipe: recipe)
        let changes = expected.changes(since: current)
        return changes.isEmpty ? .fresh : .stale(changes)
    }

    /// Writes `lock` for `recipe` atomically unless the file already holds exactly it.
    /// Returns whether it wrote.
    public func write(_ lock: Lockfile, for recipe: String) throws -> Bool {
        let url = URL(fileURLWithPath: workTree).appending(path: Lockfile.path(for: recipe))
        let text = Data(lock.rendered().utf8)
        if FileManager.default.contents(atPath: url.path) == text { return false }
        var transaction = FileTransaction()
        transaction.write(text, to: url)
        try transaction.commit()
        return true
    }
}

/// How a recipe's lock on disk compares with the lock it should have.
public enum LockState: Equatable, Sendable {
    case fresh
    case missing
    case untrusted(LockfileError)
    case stale([LockChange])
}

/// Why a lock could not be computed.
enum LockError: RecipeError, Equatable {
    case input(recipe: String, what: String, problem: String)
    case probeFailed(recipe: String, probe: String, command: String, status: Int32, stderr: String)
    case probeHung(recipe: String, probe: String, command: String, seconds: Int)
    case probeUnstable(recipe: String, probe: String, command: String, first: String, second: String)

    /// Exit 2: an input cannot be read, or a probe failed, hung or gave two answers.
    public var exitStatus: ExitStatus { .invalidInput }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .input(let recipe, let what, let problem):
            "recipe '\(recipe)', \(what): \(problem)"
        case .probeFailed(let recipe, let probe, let command, let status, let stderr):
            "recipe '\(recipe)': probe '\(probe)' (\(command)) failed with exit status \(status)"
                + (stderr.isEmpty ? "" : ":\n" + stderr.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n"))
        case .probeUnstable(let recipe, let probe, let command, let first, let second):
            "recipe '\(recipe)': probe '\(probe)' (\(command)) printed something different each time, so it cannot pin this machine: "
                + Self.firstDifference(first, second)
                + "; make it print only what identifies the environment (a version), e.g. by filtering its output"
        case .probeHung(let recipe, let probe, let command, let seconds):
            "recipe '\(recipe)': probe '\(probe)' (\(command)) did not finish within \(seconds) s and was stopped; fix the probe, or raise the limit: git config recipe.probeTimeout SECONDS"
        }
    }
}

extension LockError {
    /// `line N: 'a' then 'b'` for the first line that differs.
    static func firstDifference(_ first: String, _ second: String) -> String {
        let a = first.split(separator: "\n", omittingEmptySubsequences: false)
        let b = second.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        let shown = { (lines: [Substring]) in line < lines.count ? "'\(lines[line])'" : "nothing" }
        return "line \(line + 1) was \(shown(a)), then \(shown(b))"
    }
}

extension InputError {
    /// The path the error is about.
    var path: String {
        switch self {
        case .missing(let path), .notADirectory(let path), .isADirectory(let path), .escapes(let path, _),
            .cycle(let path), .special(let path), .unreadable(let path, _):
            path
        }
    }
}
