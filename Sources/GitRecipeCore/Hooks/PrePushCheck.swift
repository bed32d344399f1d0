import Foundation

/// The pre-push hook's check (DESIGN §5): every commit in every pushed range has locks
/// fresh for its own tree; with `recipe.requireRun` (or `policy.require_run`), every
/// recipe the range changes has a succeeded run for its lock at the range's tip, recorded
/// on any commit (it survives rebases and squash merges).
public struct PrePushCheck {
    public let repository: Repository
    /// The remote pushed to, as git names it to the hook.
    public let remote: String

    public init(repository: Repository, remote: String) {
        self.repository = repository
        self.remote = remote
    }

    private static let zero = String(repeating: "0", count: 40)

    /// Checks what git writes to a pre-push hook's stdin: `<local ref> <local sha> <remote ref> <remote sha>` per line.
    public func findings(for lines: [String]) throws -> Findings {
        var findings = Findings()
        var pushesNotes = false
        for line in lines {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 4 else { continue }
            if fields[2] == Repository.notesRef { pushesNotes = true }
            guard fields[1] != Self.zero, let tip = ObjectID(hex: fields[1]) else { continue }   // a deletion
            let hidden: [ObjectID]
            if fields[3] != Self.zero, let remoteTip = ObjectID(hex: fields[3]), try repository.contains(remoteTip) {
                hidden = [remoteTip]
            } else {
                // A new branch, or a remote tip this clone has never seen: what the remote
                // is known to have already is every remote-tracking branch.
                hidden = try repository.referenceTargets(under: "refs/remotes/\(remote)/")
            }
            var touched: Set<String> = []
            for commit in try repository.commits(from: tip, hiding: hidden) {
                let label = "commit \(commit.hex.prefix(12))"
                do {
                    let check = StoredContentCheck(repository: repository, entries: try repository.treeEntries(of: commit),
                                                   changed: try repository.changedPaths(of: commit), checkIgnored: false)
                    let result = try check.findings()
                    findings.problems += result.findings.problems.map { "\(label): \($0)" }
                    findings.warnings += result.findings.warnings.map { "\(label): \($0)" }
                    touched.formUnion(result.touched)
                } catch let failure as ValidationFailure {
                    findings.problems += failure.diagnostics.map { "\(label): \($0)" }
                }
            }
            findings.problems += try missingRuns(for: touched.sorted(), at: tip)
        }
        if !pushesNotes, try !repository.referenceTargets(under: Repository.notesRef).isEmpty {
            findings.warnings.append("run records live in \(Repository.notesRef), which pushing branches does not send; share them: git push \(remote) \(Repository.notesRef)")
        }
        return findings
    }

    /// With require-run on, the recipes among `recipes` that have no succeeded run for the
    /// lock they have at `tip`.
    private func missingRuns(for recipes: [String], at tip: ObjectID) throws -> [String] {
        guard !recipes.isEmpty else { return [] }
        let files = StoredFiles(repository: repository, entries: try repository.treeEntries(of: tip))
        let required = try repository.config("recipe.requireRun").map { ["true", "yes", "on", "1"].contains($0.lowercased()) }
            ?? (try? Project.load(from: files).config.policy.requireRun) ?? false
        guard required else { return [] }
        let notes = try repository.notes().map { RunNote(parsing: $0) }
        return try recipes.compactMap { recipe in
            let path = Lockfile.path(for: recipe)
            guard let text = try files.read(path) else { return nil }
            let lock = try LockEntries(parsing: text, file: path, recipe: recipe).digest
            let runs = notes.reduce(0) { $0 + $1.count(recipe: recipe, lock: lock, status: .succeeded) }
            guard runs == 0 else { return nil }
            return "recipe '\(recipe)' has no succeeded run for its lock \(lock.short) at \(tip.hex.prefix(12)), and runs are required; run: git recipe run \(recipe), then push its record: git push \(remote) \(Repository.notesRef)"
        }
    }
}
