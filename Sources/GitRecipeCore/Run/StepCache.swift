import Crypto
import Foundation

/// The step cache: a step whose key matches a succeeded step of any recorded
/// run, with that step's outputs in the artifact store, is restored instead of run.
///
/// The key covers everything the step could read: its command as run (which holds every
/// placeholder's value, `{{component.dir}}` of a pinned component as its source and
/// commit), the files of a pinned component, the digests of its inputs (pinned ones from the lock, ones an
/// earlier step wrote from this run), its output paths, the environment files, its image,
/// variables and probe outputs, the assets, and the seed. Params reach a step through its
/// command, and through `RECIPE_PARAM_*` / `RECIPE_PARAMS`: when the command or one of its
/// input files names `RECIPE_PARAM`, every param is in the key too, so a param the step
/// does not use can change without a miss, and one it reads from the environment cannot;
/// so are they when the recipe takes its params from files.
/// Each key is recorded in the step's entry of the manifest, so runs pulled from other
/// clones are hits too; `StepIndex` finds them.
struct StepCache {
    /// The work tree the step runs in.
    let root: String
    /// The lock the run started with (on this machine: its probe outputs are this machine's).
    let lock: Lockfile
    /// The recipe's variables.
    let vars: [String: String]
    /// Every param's value in this run.
    let params: [String: ParamValue]
    /// Whether the recipe's params come from files, which any step may read: every param is
    /// then in every step's key.
    let paramsFromFiles: Bool
    /// The seed.
    let seed: Int
    /// Where outputs come back from.
    let store: ObjectStore
    /// The recorded keys; `nil` when hits are not used (`--no-cache`, and always for
    /// `reproduce`), which still record their steps' keys for later runs.
    let index: StepIndex?

    /// The key of `step` running `command`, with `upstream` the outputs earlier steps of this
    /// run wrote; `nil` when an input has no known digest (the step is then not cached).
    func key(of step: ResolvedStep, command: String, upstream: [String: TreeHasher.Measured]) -> ContentDigest? {
        var lines = ["git-recipe step key 1", "command \(command)", "seed \(seed)"]
        for input in step.inputs.sorted() {
            guard let digest = lock.inputs[input]?.description ?? upstream[input]?.digest.description else { return nil }
            lines.append("input \(input) \(digest)")
        }
        if let pinned = step.pinned {
            for entry in pinned.entries {
                guard let digest = lock.components[pinned.source.name]?.files[entry.path] else { return nil }
                lines.append("component-file \(pinned.source.name)@\(pinned.source.commit):\(entry.path) \(digest)")
            }
        }
        lines += step.outputs.sorted().map { "output \($0)" }
        lines += lock.environmentFiles.byKeyBytes.map { "environment-file \($0.key) \($0.value)" }
        lines.append("image \(step.isolation.image ?? "-")")
        lines += vars.byKeyBytes.map { "var \($0.key)=\($0.value)" }
        lines += lock.probes.byKeyBytes.map { "probe \($0.key)=\($0.value)" }
        lines += lock.assets.byKeyBytes.map { "asset \($0.key) \($0.value)" }
        if paramsFromFiles || readsParamsFromEnvironment(step, command: command) {
            lines.append("params " + CanonicalYAML.map(params.mapValues(CanonicalYAML.init)).rendered())
        }
        return ContentDigest(SHA256.hash(data: Data(lines.joined(separator: "\n").utf8)))
    }

    /// Whether the command, or a file among the step's inputs, names `RECIPE_PARAM`
    /// (`RECIPE_PARAMS` too): such a step may read any param without a placeholder. What is
    /// not searched counts as naming it — a directory input (a script may be in it) and a
    /// file over `scanLimit` bytes — so the cost of not knowing is a miss, never a false hit.
    private func readsParamsFromEnvironment(_ step: ResolvedStep, command: String) -> Bool {
        if command.contains("RECIPE_PARAM") { return true }
        let marker = Data("RECIPE_PARAM".utf8)
        return step.inputs.contains { input in
            guard !input.hasSuffix("/") else { return true }
            let path = "\(root)/\(input)"
            var info = stat()
            guard stat(path, &info) == 0 else { return false }
            guard info.st_size <= Self.scanLimit else { return true }
            return FileManager.default.contents(atPath: path)?.range(of: marker) != nil
        }
    }

    /// The largest input file read for `RECIPE_PARAM`.
    static let scanLimit = 8 << 20

    /// A recorded step with `key` whose outputs are all in the store: the run and step it came
    /// from, and the files to restore (path in the work tree, digest).
    func hit(_ key: ContentDigest, outputs: [String]) -> (run: String, step: String, files: [(path: String, digest: ContentDigest)])? {
        guard let recorded = index?.lookup(key) else { return nil }
        var files: [(path: String, digest: ContentDigest)] = []
        for path in outputs {
            guard let output = recorded.outputs[path] else { return nil }
            for (file, digest) in output.files(at: path) {
                guard let digest = ContentDigest(digest), store.contains(digest) else { return nil }
                files.append((file, digest))
            }
        }
        return (recorded.run, recorded.step, files)
    }
}
