import Foundation

/// `git recipe verify` (and the pre-push hook): judges commits from their own trees, without
/// a checkout. Each commit's locks must be fresh for the recipes it touches (every recipe,
/// when one commit is verified alone); with require-run, each of those recipes needs a
/// succeeded run for the lock it has at the tip — recorded on any commit, so it survives
/// rebases and squash merges.
public struct Verifier {
    /// The repository checked.
    public let repository: Repository
    /// Only this recipe, when set.
    public var recipe: String?
    /// Demand runs even when neither `recipe.requireRun` nor `policy.require_run` does.
    public var requireRun = false
    /// Demand that each run relied on carries a valid signature by an allowed signer, and
    /// that every signature on the range's runs is valid; implies `requireRun`.
    public var signed = false

    /// Checks `recipe` (every recipe when `nil`); `requireRun` demands a succeeded run per
    /// recipe, `signed` a signed one.
    public init(repository: Repository, recipe: String? = nil, requireRun: Bool = false, signed: Bool = false) {
        self.repository = repository
        self.recipe = recipe
        self.requireRun = requireRun || signed
        self.signed = signed
    }

    /// One line per problem, judging one commit on every recipe in it, or each commit of a
    /// range on the recipes it touches; `share` is how to send a run's record once it exists.
    public func findings(_ revisions: Revisions, share: String = "git recipe push") throws -> (findings: Findings, commits: Int) {
        let (tip, commits) = (revisions.tip, try repository.commits(of: revisions))
        let wholeTree = if case .commit = revisions { true } else { false }
        var findings = Findings()
        var touched: Set<String> = []
        for commit in commits {
            let label = "commit \(commit.hex.prefix(12))"
            do {
                let files = StoredFiles(repository: repository, entries: try repository.treeEntries(of: commit))
                let changed = wholeTree ? files.entries.map(\.path) : try repository.changedPaths(of: commit)
                let check = StoredContentCheck(
                    repository: repository, files: files, changed: changed,
                    checkIgnored: false, recipes: recipe.map { [$0] })
                let result = try check.findings()
                findings.problems += result.findings.problems.map { "\(label): \($0)" }
                findings.warnings += result.findings.warnings.map { "\(label): \($0)" }
                touched.formUnion(result.touched)
            } catch let failure as ValidationFailure {
                findings.problems += failure.diagnostics.map { "\(label): \($0)" }
            }
        }
        let signatures = signed ? try CheckedSignatures(repository: repository) : nil
        findings.problems += try missingRuns(for: touched.sorted(), at: tip, share: share, signatures: signatures)
        if let signatures { findings.problems += try badSignatures(on: commits, signatures: signatures) }
        return (findings, commits.count)
    }

    /// When runs are required, the recipes among `recipes` with no succeeded run for the
    /// lock they have at `tip`.
    private func missingRuns(for recipes: [String], at tip: ObjectID, share: String, signatures: CheckedSignatures?) throws -> [String] {
        guard !recipes.isEmpty else { return [] }
        let files = StoredFiles(repository: repository, entries: try repository.treeEntries(of: tip))
        let required =
            try requireRun
            || repository.configFlag("recipe.requireRun")
                ?? (try? Project.load(from: files).config.policy.requireRun) ?? false
        guard required else { return [] }
        let succeeded = Dictionary(
            grouping: RunHistory.unique(try RunHistory(repository: repository).allRuns().filter { $0.status == RunStatus.succeeded.rawValue })
                .sorted { $0.id < $1.id },
            by: { "\($0.recipe) \($0.lock)" })
        var problems: [String] = []
        for recipe in recipes {
            let path = Lockfile.path(for: recipe)
            guard let text = try files.read(path) else { continue }
            let lock = try LockEntries(parsing: text, file: path, recipe: recipe).digest
            guard let runs = succeeded["\(recipe) \(lock)"] else {
                problems.append(
                    "recipe '\(recipe)' has no succeeded run for its lock \(lock.short) at \(tip.hex.prefix(12)), and runs are required; run: git recipe run \(recipe), then share the record: \(share)"
                )
                continue
            }
            guard let signatures else { continue }
            let checked = try signatures.of(runs)
            guard !checked.contains(where: { !$0.valid.isEmpty }) else { continue }
            let why = checked.map { run in "run \(run.run): " + (run.unsigned ? "not signed" : run.problems.joined(separator: "; ")) }
            problems.append(
                "recipe '\(recipe)': no run for its lock \(lock.short) at \(tip.hex.prefix(12)) carries a valid signature ("
                    + why.joined(separator: "; ") + "); sign one: git recipe sign \(runs[runs.count - 1].id), then share it: \(share)")
        }
        return problems
    }

    /// One line per run recorded on `commits` whose signature does not count: a record
    /// changed after signing, a key nobody allowed, an envelope that cannot be read.
    private func badSignatures(on commits: [ObjectID], signatures: CheckedSignatures) throws -> [String] {
        let runs = RunHistory.unique(try RunHistory(repository: repository).runs(on: commits).flatMap { $0 }).sorted { $0.id < $1.id }
        return try signatures.of(runs).flatMap { run in run.problems.map { "run \(run.run): \($0)" } }
    }

    /// Each run's signatures, checked once however many questions ask about it.
    private final class CheckedSignatures {
        private let check: SignatureCheck
        private let attestations: Attestations
        private var checked: [String: SignatureCheck.Signatures] = [:]

        init(repository: Repository) throws {
            check = try SignatureCheck(repository: repository)
            attestations = Attestations(repository: repository)
        }

        /// The signatures of each of `runs`, in order.
        func of(_ runs: [RunRecord]) throws -> [SignatureCheck.Signatures] {
            for signatures in try check.signatures(of: runs.filter { checked[$0.id] == nil }, in: attestations) {
                checked[signatures.run] = signatures
            }
            return runs.compactMap { checked[$0.id] }
        }
    }
}
