import Foundation

/// `verify --claims` and the report's Claims section: each claim a recipe
/// states, judged from the recorded runs and written narrowly — the metric, the runs on each
/// side with their seeds and commits, the lock that pins the data, the interval and p — or
/// said plainly not to be supported, with why.
public struct ClaimCheck {
    /// One claim, judged.
    public struct Judgement: Sendable {
        /// The recipe that states it.
        public let recipe: String
        /// The claim.
        public let claim: Claim
        /// Whether the recorded runs support it.
        public let supported: Bool
        /// What was measured and what it shows, in one sentence.
        public let text: String
    }

    /// Where the runs are read.
    let history: RunHistory

    /// Judges claims against the runs in `history`.
    public init(history: RunHistory) {
        self.history = history
    }

    /// Every claim of the recipes in `commit`'s tree (only `recipe`'s when given), read from the
    /// commit itself, judged for the runs recorded on it.
    public func judge(at commit: ObjectID, recipe: String?) throws -> [Judgement] {
        let repository = history.repository
        let files = StoredFiles(repository: repository, entries: try repository.treeEntries(of: commit))
        let project = try Project.load(from: files, recipes: recipe.map { [$0] } ?? [])
        return project.pipelines.flatMap { judge($0.recipe.claims, of: $0.recipe.name, at: commit.hex) }
    }

    /// `claims` of `recipe`, judged for its runs at `revision` (the sweep with the most seeds
    /// there) against each claim's baseline.
    func judge(_ claims: [Claim], of recipe: String, at revision: String) -> [Judgement] {
        claims.map { claim in
            let said = { (supported: Bool, text: String) in
                Judgement(recipe: recipe, claim: claim, supported: supported, text: "claim '\(claim.name)' (\(Self.statement(claim))): \(text)")
            }
            guard let candidate = group(revision, recipe: recipe) else {
                return said(
                    false, "not supported: no run of \(recipe) is recorded at \(revision); run it: git recipe run \(recipe) --seeds 0..4")
            }
            guard let baseline = group(claim.baseline, recipe: recipe) else {
                return said(false, "not supported: no run of \(recipe) is recorded at \(claim.baseline), the claim's baseline")
            }
            guard let after = SeedStatistics(candidate.compactMap { $0.metrics[claim.metric] }), after.count == candidate.count,
                let before = SeedStatistics(baseline.compactMap { $0.metrics[claim.metric] }), before.count == baseline.count
            else {
                return said(false, "not supported: metric '\(claim.metric)' is not recorded by every run on both sides")
            }
            let comparison = MetricComparison(baseline: before, candidate: after, confidence: claim.confidence)
            let sides = "\(RunDiff.label(candidate)) (lock \(Self.short(candidate[0].lock))) against \(RunDiff.label(baseline))"
            let measured = "\(claim.metric) \(after.summary) against \(before.summary), Δ \(SeedStatistics.format(comparison.difference))"
            guard case .success(let welch) = comparison.test else {
                return said(false, "not supported: \(comparison.summary) — \(measured); \(sides)")
            }
            let beyond =
                claim.direction == .higherThan ? welch.interval.lowerBound > claim.by : welch.interval.upperBound < -claim.by
            return said(beyond, (beyond ? "supported" : "not supported") + ": \(measured), \(comparison.summary); \(sides)")
        }
    }

    /// `accuracy higher than main by more than 0.01`.
    static func statement(_ claim: Claim) -> String {
        "\(claim.metric) \(claim.direction == .higherThan ? "higher" : "lower") than \(claim.baseline)"
            + (claim.by > 0 ? " by more than \(SeedStatistics.format(claim.by))" : "")
    }

    /// The runs `name` stands for: a run or a sweep as named, else the named revision's
    /// sweep of `recipe` with the most seeds; `nil` when there are none.
    private func group(_ name: String, recipe: String) -> [RunRecord]? {
        guard let selection = try? history.select(name) else { return nil }
        if let group = selection.group, group[0].recipe == recipe { return group }
        return selection.largestGroup(of: recipe)
    }

    private static func short(_ lock: String) -> String {
        ContentDigest(lock)?.short ?? lock
    }
}
