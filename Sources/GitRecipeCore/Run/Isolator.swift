import Foundation

/// Puts each step where its recipe says it runs: on the host, inside its
/// container image, or in a bubblewrap sandbox. Made once per run before any step starts —
/// the engine must answer and every image whose id is not remembered (``EngineFacts``) be
/// here by its digest (pulled if not), or the run is refused — and then asked, step by
/// step, for the command line that runs it and for what the manifest records about where
/// it ran.
public struct Isolator: Sendable {
    /// The engine that runs steps in images.
    let engine: ContainerEngine
    /// The engine's version line, when a step runs in an image.
    let engineVersion: String?
    /// The id each image has as the engine holds it, by reference (none for apptainer).
    let imageIDs: [String: String]
    /// bubblewrap's version line, when a step is sandboxed.
    let sandboxVersion: String?
    /// The recipe's variables, which a step in an image sees besides `RECIPE_*`.
    let forwarded: Set<String>
    /// What the engine said, remembered; an image whose step cannot start is forgotten there.
    let facts: EngineFacts

    /// Checks what the steps of `pipeline` need: the engine `recipe.containerEngine` names
    /// (`engineName`; only when a step has an image) and every image, bubblewrap (when a step
    /// is sandboxed). The engine is asked everything `facts` does not remember at once — its
    /// version and each image's id — since each call costs it a start of its own.
    static func prepare(_ pipeline: Pipeline, engineName: String?, facts: EngineFacts) throws -> Isolator {
        let images = Set(pipeline.steps.compactMap(\.isolation.image)).sorted()
        let sandboxed = pipeline.steps.first { if case .sandbox = $0.isolation { true } else { false } }
        let forwarded = Set(pipeline.recipe.environment.vars.keys)
        guard !images.isEmpty || sandboxed != nil else {
            return Isolator(
                engine: ContainerEngine(), engineVersion: nil, imageIDs: [:], sandboxVersion: nil, forwarded: forwarded, facts: facts)
        }
        let engine = images.isEmpty ? ContainerEngine() : try ContainerEngine.configured(engineName)
        // 0: the engine's version; 1: bubblewrap's; then one per image.
        let answers = concurrentMap(
            2 + images.count, workers: 2 + images.count, state: {},
            transform: { _, index in
                Result { () throws -> String? in
                    switch index {
                    case 0: return images.isEmpty ? nil : try facts.version(of: engine)
                    case 1: return sandboxed == nil ? nil : Sandbox.version()
                    default: return try facts.imageID(of: images[index - 2], on: engine)
                    }
                }
            })
        var imageIDs: [String: String] = [:]
        for (offset, image) in images.enumerated() { imageIDs[image] = try answers[2 + offset].get() }
        let engineVersion = try answers[0].get()
        let sandboxVersion = try answers[1].get()
        if let sandboxed, sandboxVersion == nil { throw RunRefusal.noSandbox(step: sandboxed.name) }
        return Isolator(
            engine: engine, engineVersion: engineVersion, imageIDs: imageIDs, sandboxVersion: sandboxVersion, forwarded: forwarded,
            facts: facts)
    }

    /// A step ready to start: the program and arguments that run it, what the manifest
    /// records about where it ran, and the outputs a sandbox made for it.
    struct Wrapped {
        /// The command line: `/bin/sh -c COMMAND`, or the engine's or bubblewrap's around it.
        let arguments: [String]
        /// Where it ran; `nil` on the host.
        let record: RunManifest.Isolation?
        /// A sandboxed step's output placeholders, settled when it ends.
        let placeholders: OutputPlaceholders?
    }

    /// How `planned` runs in `run`. A sandboxed step's outputs are made here, empty, to be
    /// its writable mounts: call `placeholders.settle()` when it ends.
    func wrap(_ planned: RunPlan.Step, in run: StepRun) throws -> Wrapped {
        let root = run.repository.workTree
        let plan = run.plan
        let assets = plan.assets.values.map(\.path)
        switch planned.step.isolation {
        case .host:
            return Wrapped(arguments: ["/bin/sh", "-c", planned.command], record: nil, placeholders: nil)
        case .image(let image, let network):
            var invocation = ContainerEngine.Invocation(command: planned.command, image: image, directory: root)
            invocation.network = network
            invocation.environment = run.environment(of: planned.step).filter {
                $0.key.hasPrefix("RECIPE_") || Trackers.variables.contains($0.key) || forwarded.contains($0.key)
            }
            if !Self.isUnder(plan.directory, root) { invocation.mounts.append((plan.directory, true)) }
            for asset in assets where !Self.isUnder(asset, root) { invocation.mounts.append((asset, false)) }
            return Wrapped(
                arguments: engine.arguments(invocation),
                record: .init(engine: engineVersion ?? engine.kind.rawValue, image: image, imageID: imageIDs[image], network: network),
                placeholders: nil)
        case .sandbox(let network):
            let placeholders = try OutputPlaceholders.make(planned.step.outputs, root: root)
            var sandbox = Sandbox(root: root)
            sandbox.network = network
            sandbox.readable = (planned.step.inputs.map { "\(root)/\($0)" } + assets).map { Self.trimmingSlash($0) }
            sandbox.writable = planned.step.outputs.map { Self.trimmingSlash("\(root)/\($0)") } + [plan.directory]
            return Wrapped(
                arguments: sandbox.arguments(planned.command),
                record: .init(engine: sandboxVersion ?? "bubblewrap", image: nil, imageID: nil, network: network),
                placeholders: placeholders)
        }
    }

    /// Whether `path` is `directory` or lies under it.
    private static func isUnder(_ path: String, _ directory: String) -> Bool {
        path == directory || path.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }

    /// `path` without the `/` that marks a directory output.
    private static func trimmingSlash(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}

/// The outputs of a sandboxed step, made before it runs — an empty file, an empty
/// directory — so that each can be a writable mount in a repository that is otherwise
/// read-only. Those the step leaves untouched are removed when it ends, so an output it
/// never wrote is missing, as it would be outside the sandbox.
struct OutputPlaceholders {
    /// Each placeholder's path and its modification time when made.
    private let made: [(path: String, modified: timespec)]

    /// Makes every output of `outputs` (`DIR/` a directory) under `root` that does not
    /// exist, with its parent directories.
    static func make(_ outputs: [String], root: String) throws -> OutputPlaceholders {
        var made: [(String, timespec)] = []
        for output in outputs {
            let path = "\(root)/\(output)"
            guard !FileManager.default.fileExists(atPath: path) else { continue }
            let directory = output.hasSuffix("/")
            try FileManager.default.createDirectory(
                atPath: directory ? path : (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !directory, !FileManager.default.createFile(atPath: path, contents: nil) {
                throw FileWriteError(path: path, reason: "cannot make the sandbox's mount point for this output")
            }
            if let modified = modification(of: path) { made.append((path, modified)) }
        }
        return OutputPlaceholders(made: made)
    }

    /// Removes each placeholder the step left as it was made: still empty, never modified.
    func settle() {
        for (path, modified) in made {
            guard let now = Self.modification(of: path), now.tv_sec == modified.tv_sec, now.tv_nsec == modified.tv_nsec else { continue }
            let empty = path.hasSuffix("/") ? (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty == true : Self.size(of: path) == 0
            if empty { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    /// `path`'s modification time, `nil` when it is gone.
    private static func modification(of path: String) -> timespec? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mtim : nil
    }

    /// `path`'s size in bytes.
    private static func size(of path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : -1
    }
}
