import Foundation

/// Runs a recipe's probes and remembers their output (`environment.probes` in docs/reference.md).
///
/// A probe such as `python3 -c "import sklearn; print(sklearn.__version__)"` can cost
/// seconds, and `status`, `lock --check` and `run` all need its output. Its output is cached
/// in `.git/recipes/probe-cache` under a fingerprint of what it can depend on, and the probe
/// runs again only when that fingerprint changes (or with `--refresh-probes`):
/// - the command and the recipe's `environment.vars`;
/// - the variables that steer which program and packages run: PATH, PYTHONPATH,
///   PYTHONHOME, VIRTUAL_ENV, CONDA_PREFIX, PYENV_VERSION, LD_LIBRARY_PATH, R_LIBS, NODE_PATH;
/// - every word of the command that names a program on PATH: the file it resolves to, with
///   its size, modification time and inode; and every word that names a file of the work
///   tree (a script the probe runs), the same way;
/// - the package directories of every prefix on PATH (`PREFIX/lib/python3*/site-packages`
///   and `dist-packages`, pyenv's `PREFIX/versions/*/lib/python3*/site-packages`, the user's
///   `~/.local/lib/python3*/site-packages`): installing, removing or upgrading a package
///   changes their listing, and so their modification time;
/// - `.python-version` and `.tool-versions` in the work tree.
/// A change outside these (a system library updated in place, a package edited in place
/// without reinstalling) is not seen: `--refresh-probes` runs every probe again.
///
/// A recipe with `environment.image` has its probes run inside that image,
/// with the repository mounted as its steps have it: the lock pins what the image holds,
/// and the image's digest is part of the key.
/// Where probe outputs come from.
public enum ProbeMode: Sendable {
    /// The probe cache, when the fingerprint matches.
    case cached
    /// Every probe runs, and the cache is refreshed (`--refresh-probes`).
    case refreshed
    /// Every probe runs twice and one whose output differs is refused: what `lock` pins must
    /// describe the machine, not the moment.
    case checkedTwice
}

/// `@unchecked Sendable`: recipes are locked concurrently, and the mutable state below
/// (`cache`, `changed`, `packageDirectories`) is only touched with `lock` held.
final class Probes: @unchecked Sendable {
    /// Environment variables that change what a probe finds, part of its cache key.
    static let variables = [
        "PATH", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_PREFIX", "PYENV_VERSION",
        "LD_LIBRARY_PATH", "R_LIBS", "NODE_PATH",
    ]

    /// Whether outputs may come from the cache.
    let mode: ProbeMode
    /// Where probes run.
    private let workTree: String
    /// The probe cache file.
    private let cachePath: String
    /// Seconds a probe may take.
    private let timeout: Int
    /// The engine `recipe.containerEngine` names, which runs the probes of a recipe with an
    /// image; read only then, so a name no engine has troubles no recipe without one.
    private let engineName: String?
    /// Guards the cache and the package directories.
    private let lock = NSLock()
    /// Read on the first probe: the hook and recipes without probes never need it.
    private var cache: [String: String]?
    /// Whether the cache gained an entry to write back.
    private var changed = false
    /// Directories whose listing keys the cache (site-packages and the like), found once.
    private var packageDirectories: [String]?

    /// Probes run in `workTree`, cached at `cachePath`, each stopped after `timeout` seconds.
    /// A recipe with an image has its probes run in it by the engine `engineName` names.
    init(workTree: String, cachePath: String, timeout: Int, mode: ProbeMode, engineName: String?) {
        self.workTree = workTree
        self.engineName = engineName
        self.cachePath = cachePath
        self.timeout = timeout
        self.mode = mode
    }

    /// The cache, read once. Call with `lock` held.
    private func loadedCache() -> [String: String] {
        if let cache { return cache }
        let data = FileManager.default.contents(atPath: cachePath) ?? Data()
        let read = (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
        cache = read
        return read
    }

    /// The outputs of `probes` (name → command) of `recipe`, all run at once.
    func outputs(_ probes: [(name: String, command: String)], recipe: Recipe) throws -> [String: String] {
        let results = Slots<Result<String, any Error>>(count: probes.count)
        DispatchQueue.concurrentPerform(iterations: probes.count) { index in
            results[index] = Result { try output(probes[index].name, probes[index].command, recipe: recipe) }
        }
        var outputs: [String: String] = [:]
        for (probe, result) in zip(probes, results.values) { outputs[probe.name] = try result.get() }
        return outputs
    }

    /// A probe's output: from the cache when its key matches, else by running it.
    private func output(_ name: String, _ command: String, recipe: Recipe) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(recipe.environment.vars) { _, recipe in recipe }
        let image = try recipe.environment.image.map { (engine: try ContainerEngine.configured(engineName), reference: $0.value) }
        let key = fingerprint(command, vars: recipe.environment.vars, environment: environment, image: image)
        if mode == .cached, let known = lock.withLock({ loadedCache()[key] }) { return known }
        var arguments = ["/bin/sh", "-c", command]
        if let image {
            _ = try image.engine.resolve(image.reference)
            var invocation = ContainerEngine.Invocation(command: command, image: image.reference, directory: workTree)
            invocation.environment = recipe.environment.vars
            arguments = image.engine.arguments(invocation)
        }
        let first = try run(name, command, arguments, recipe: recipe.name, environment: environment)
        if mode == .checkedTwice {
            let second = try run(name, command, arguments, recipe: recipe.name, environment: environment)
            guard first == second else {
                throw LockError.probeUnstable(recipe: recipe.name, probe: name, command: command, first: first, second: second)
            }
        }
        lock.withLock {
            var cache = loadedCache()
            if cache[key] != first { changed = true }
            cache[key] = first
            self.cache = cache
        }
        return first
    }

    /// Runs probe `name`'s `command` as `arguments` (the shell's, or the engine's around it)
    /// in the work tree with the recipe's variables; a probe that fails or hangs is an error.
    private func run(_ name: String, _ command: String, _ arguments: [String], recipe: String, environment: [String: String]) throws
        -> String
    {
        let outcome = try ChildProcess(arguments: arguments, directory: workTree, environment: environment)
            .run(timeout: TimeInterval(timeout))
        if outcome.timedOut { throw LockError.probeHung(recipe: recipe, probe: name, command: command, seconds: timeout) }
        guard outcome.status == 0 else {
            throw LockError.probeFailed(
                recipe: recipe, probe: name, command: command, status: outcome.status,
                stderr: outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// SHA-256 over everything listed in the type's summary.
    func fingerprint(
        _ command: String, vars: [String: String], environment: [String: String], image: (engine: ContainerEngine, reference: String)? = nil
    ) -> String {
        var facts = ["command\0\(command)"]
        if let image { facts.append("image\0\(image.engine.kind.rawValue)\0\(image.reference)") }
        facts += Self.variables.map { "env\0\($0)\0\(environment[$0] ?? "")" }
        facts += vars.map { "var\0\($0.key)\0\($0.value)" }
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for word in Set(command.split(whereSeparator: { " \t\n;&|()<>\"'`".contains($0) }).map(String.init)) where !word.contains("=") {
            if let program = ProgramPath.find(word, on: path) { facts.append("program\0\(word)\0\(program)\0\(Self.stamp(program))") }
            if !word.hasPrefix("/"), !word.hasPrefix("-") { facts.append("file\0\(word)\0\(Self.stamp("\(workTree)/\(word)"))") }
        }
        for directory in packageDirectoriesOnce(path: path, home: environment["HOME"] ?? NSHomeDirectory()) {
            facts.append("packages\0\(directory)\0\(Self.stamp(directory))")
        }
        for file in [".python-version", ".tool-versions"] {
            facts.append("file\0\(file)\0\(Self.stamp("\(workTree)/\(file)"))")
        }
        return ContentDigest.of(Data(facts.sorted().joined(separator: "\n").utf8)).hex
    }

    /// The package directories on `path` and under `home`, looked up once.
    private func packageDirectoriesOnce(path: [String], home: String) -> [String] {
        lock.withLock {
            if let packageDirectories { return packageDirectories }
            let prefixes = Set(path.map { ($0 as NSString).deletingLastPathComponent } + ["/usr", "/usr/local", "\(home)/.local"])
            var found: [String] = []
            for prefix in prefixes.sorted() {
                found += Self.children(of: "\(prefix)/lib", matching: "python").flatMap { library in
                    ["site-packages", "dist-packages"].map { "\(library)/\($0)" }.filter { FileManager.default.fileExists(atPath: $0) }
                }
                for version in Self.children(of: "\(prefix)/versions", matching: "") {
                    found += Self.children(of: "\(version)/lib", matching: "python").map { "\($0)/site-packages" }
                        .filter { FileManager.default.fileExists(atPath: $0) }
                }
            }
            packageDirectories = found
            return found
        }
    }

    /// The entries of `directory` whose names start with `prefix`.
    private static func children(of directory: String, matching prefix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(prefix) }.sorted().map {
            "\(directory)/\($0)"
        }
    }

    /// Size, modification time (ns) and inode, or `absent`.
    private static func stamp(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "absent" }
        return "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ino)"
    }

    /// Writes the cache if a probe ran.
    func save() throws {
        let data = lock.withLock { changed ? try? JSONEncoder().encode(loadedCache()) : nil }
        guard let data else { return }
        var transaction = FileTransaction()
        transaction.write(data, to: URL(fileURLWithPath: cachePath))
        try transaction.commit()
    }
}
