import Foundation

/// Which runs' outputs the artifact store keeps: the runs `artifacts.keep`
/// names, within `artifacts.max_size`, and always the runs pinned with `git recipe keep`.
/// Pins live in `.git/recipes/pinned`, one run id a line, shared by every worktree.
public struct KeptRuns {
    /// The repository whose runs and store are meant.
    let repository: Repository

    /// The kept runs of `repository`.
    public init(repository: Repository) {
        self.repository = repository
    }

    /// The pins file.
    var pinsFile: String { "\(repository.commonDirectory)/recipes/pinned" }

    /// The pinned run ids, sorted.
    public func pinned() -> [String] {
        let text = (try? String(contentsOfFile: pinsFile, encoding: .utf8)) ?? ""
        return Set(text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }).sorted()
    }

    /// Pins `ids` (or, with `drop`, unpins them); the file is replaced whole, holding the pins'
    /// lock, so a pin another `keep` makes meanwhile is not overwritten.
    public func pin(_ ids: [String], drop: Bool = false) throws {
        try holdingPins {
            var pins = Set(pinned())
            if drop { pins.subtract(ids) } else { pins.formUnion(ids) }
            var transaction = FileTransaction()
            transaction.write(Data(pins.sorted().map { $0 + "\n" }.joined().utf8), to: URL(fileURLWithPath: pinsFile))
            try transaction.commit()
        }
    }

    /// Runs `body` holding the lock beside the pins file: `keep` changing the pins and `gc`
    /// freeing what no pin keeps take turns, so a run pinned while `gc` runs is kept.
    private func holdingPins<Result>(_ body: () throws -> Result) throws -> Result {
        try FileLock.withLock("\(pinsFile).lock", body)
    }

    /// What `gc` would keep and free.
    public struct Collection: Sendable {
        /// Runs whose outputs are kept.
        public let keptRuns: Int
        /// Objects removed (or, in a dry run, that would be).
        public let freedObjects: Int
        /// Their bytes.
        public let freedBytes: Int64
    }

    /// Applies `artifacts` to the store: removes every object no kept run needs. With
    /// `dryRun`, only says what it would remove.
    public func collect(_ artifacts: ProjectConfig.Artifacts, history: RunHistory, dryRun: Bool) throws -> Collection {
        // A dry run removes nothing: it needs neither the lock nor write access.
        guard !dryRun else { return try freeUnkept(artifacts, history: history, dryRun: true) }
        return try holdingPins { try freeUnkept(artifacts, history: history, dryRun: false) }
    }

    /// What ``collect(_:history:dryRun:)`` does, once it may.
    private func freeUnkept(_ artifacts: ProjectConfig.Artifacts, history: RunHistory, dryRun: Bool) throws -> Collection {
        let store = ObjectStore(repository: repository)
        let runs = try history.allRuns().sorted { $0.id < $1.id }
        let pins = Set(pinned())
        let objects = Dictionary(runs.map { run in (run.id, Self.digests(of: run)) }) { first, _ in first }
        var kept = Set(runs.filter { pins.contains($0.id) || Self.policyKeeps($0, artifacts.keep, among: runs) }.map(\.id))
        if let limit = artifacts.maxSize {
            let sizes = Dictionary(store.inventory().objects.map { ($0.digest, $0.bytes) }) { first, _ in first }
            func total() -> Int64 { kept.reduce(into: Set<ContentDigest>()) { $0.formUnion(objects[$1] ?? []) }.reduce(0) { $0 + (sizes[$1] ?? 0) } }
            // The oldest unpinned runs go first, until what is left fits.
            for run in runs where kept.contains(run.id) && !pins.contains(run.id) && total() > limit { kept.remove(run.id) }
        }
        let live = kept.reduce(into: Set<ContentDigest>()) { $0.formUnion(objects[$1] ?? []) }
        let freed = store.collect(keeping: live, dryRun: dryRun)
        return Collection(keptRuns: kept.count, freedObjects: freed.objects, freedBytes: freed.bytes)
    }

    /// Whether `keep` keeps `run`'s outputs: every run's, or the latest succeeded run of its
    /// recipe (with the other seeds of its sweep), or none. Run ids and times have one-second
    /// resolution: every run that finished in the latest second is kept, so a tie never drops
    /// the true latest.
    private static func policyKeeps(_ run: RunRecord, _ keep: ProjectConfig.Artifacts.Keep, among runs: [RunRecord]) -> Bool {
        switch keep {
        case .all: return true
        case .none: return false
        case .latest:
            let succeeded = runs.filter { $0.recipe == run.recipe && $0.status == RunStatus.succeeded.rawValue }
            guard let last = succeeded.map(\.finished).max() else { return false }
            let latest = succeeded.filter { $0.finished == last }
            return latest.contains { $0.id == run.id || (run.sweep != nil && run.sweep == $0.sweep) }
        }
    }

    /// The objects a run's outputs consist of.
    static func digests(of run: RunRecord) -> Set<ContentDigest> {
        (try? run.manifest())?.storedObjects ?? []
    }
}
