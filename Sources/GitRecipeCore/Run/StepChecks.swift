import Foundation

/// The checks of invariant 3 (docs/architecture.md) after a step ends: its declared outputs
/// exist and are no symbolic links, the work tree is still clean outside them, HEAD, index
/// and refs are untouched; and its outputs keep their data contracts. A step that passes has
/// its outputs hashed and its metrics read.
struct StepChecks {
    /// The repository the step ran in.
    let repository: Repository
    /// Hashes outputs.
    let locker: Locker
    /// The repository as it was before the run's first step.
    let before: RepositoryFingerprint
    /// Tracked files the run itself rewrote before its first step (params files carrying
    /// overrides, in a scratch worktree), with what it wrote: while they hold exactly that,
    /// they do not make the tree dirty.
    var rewritten: [String: Data] = [:]

    /// What a step that passed left: its outputs as hashed, its metrics.
    struct Measured: Sendable {
        /// Its outputs as hashed, by path.
        var outputs: [String: TreeHasher.Measured] = [:]
        /// The metrics it wrote, flattened to dotted names.
        public var metrics: [String: Double] = [:]
    }

    /// A step's judgement.
    public enum Verdict {
        case passed(Measured)
        /// Why the step failed, with paths relative to the work tree.
        case failed(String)
    }

    /// Checks `step` after it exited 0.
    func judge(_ step: ResolvedStep) throws -> Verdict {
        let root = repository.workTree
        let missing = step.outputs.filter { !FileManager.default.fileExists(atPath: "\(root)/\($0)") }
        if !missing.isEmpty {
            return .failed(
                "it did not write its declared output\(missing.count == 1 ? "" : "s") " + missing.map { "'\($0)'" }.joined(separator: ", "))
        }
        let dirty = try repository.cleanliness().dirtyPaths.filter { !isAsRewritten($0) }
        if !dirty.isEmpty {
            return .failed(
                "it changed the working tree outside its declared outputs (\(dirty.map(\.description).joined(separator: ", "))); "
                    + "declare what it writes as outputs and ignore them in .gitignore")
        }
        let changes = try repository.fingerprint().changes(since: before)
        if !changes.isEmpty {
            return .failed("it changed the repository: \(changes.joined(separator: "; ")); a step may not commit, stage or move refs")
        }
        var measured = Measured()
        do {
            try DeclaredOutputs(root: root, paths: step.outputs).checkNoSymlinks()
            // One pass: a directory's listing comes from the hashing of its digest.
            for (path, output) in zip(step.outputs, try locker.measure(step.outputs)) {
                measured.outputs[path] = output
            }
        } catch {
            return .failed(String(describing: error).replacingOccurrences(of: root + "/", with: ""))
        }
        for (path, contract) in step.contracts.sorted(by: { $0.key < $1.key })
        where step.outputs.contains(where: { RepositoryPath.overlap($0, path) }) {
            if let violation = ContractCheck.violation(of: contract, at: "\(root)/\(path)", name: path) {
                return .failed("its output breaks its contract: \(violation)")
            }
        }
        for file in step.metrics {
            do {
                measured.metrics.merge(try Metrics.read("\(root)/\(file)")) { _, new in new }
            } catch {
                return .failed(error.description.replacingOccurrences(of: root + "/", with: ""))
            }
        }
        return .passed(measured)
    }

    /// Whether `dirty` is a file the run rewrote, still holding what the run wrote.
    private func isAsRewritten(_ dirty: Cleanliness.DirtyPath) -> Bool {
        guard dirty.kind == .modified, let written = rewritten[dirty.path] else { return false }
        return FileManager.default.contents(atPath: "\(repository.workTree)/\(dirty.path)") == written
    }
}
