import Foundation

/// `git recipe push|pull --artifacts [STORE] [RUN…]` (DESIGN §8.2): moves the objects a set of
/// runs' outputs consist of between this clone's store and a remote one. Run records travel
/// with `push`/`pull` (git notes); their bytes travel here. Without runs named, the set is
/// every run recorded on HEAD's history. Only what the other side lacks moves (it is asked
/// about each object, then the transfers run several at once), so running it again after an interruption
/// resumes where it stopped.
public struct ArtifactSync {
    /// This clone's store.
    let local: ObjectStore
    /// The other side.
    let remote: any RemoteStore
    /// Where the runs are read.
    let history: RunHistory

    /// Syncs `repository`'s store with the store called `store` (the only one configured when `nil`).
    public init(repository: Repository, store: String?) throws {
        local = ObjectStore(repository: repository)
        remote = try RemoteStores(repository: repository).open(store)
        history = try RunHistory(repository: repository)
    }

    /// The remote store's name.
    public var storeName: String { remote.name }

    /// What a transfer did.
    public struct Transfer: Sendable, Equatable {
        /// The runs whose objects were considered.
        public var runs = 0
        /// Objects moved.
        public var objects = 0
        /// Their bytes.
        public var bytes: Int64 = 0
        /// Objects the receiving side already held.
        public var present = 0
        /// Runs some of whose objects the sending side lacks (gc dropped them, or
        /// `artifacts.keep` kept none), so they could not move.
        public var incomplete: [String] = []
    }

    /// Uploads what `names` (every run on HEAD's history when empty) need and the store lacks.
    public func push(_ names: [String], progress: TransferProgress) throws -> Transfer {
        let runs = try selected(names)
        var transfer = Transfer(runs: runs.count)
        let needed = needs(of: runs, from: { local.contains($0) }, incomplete: &transfer.incomplete)
        let there = try remote.holds(needed)
        let moving = needed.subtracting(there).sorted { $0.hex < $1.hex }
        transfer.present = needed.count - moving.count
        progress.expect(moving.count)
        try remote.upload(moving, from: local, progress: progress)
        transfer.objects = moving.count
        transfer.bytes = moving.reduce(0) { $0 + local.size(of: $1) }
        return transfer
    }

    /// Downloads what `names` (every run on HEAD's history when empty) need and this clone lacks.
    public func pull(_ names: [String], progress: TransferProgress) throws -> Transfer {
        let runs = try selected(names)
        var transfer = Transfer(runs: runs.count)
        let missing = runs.reduce(into: Set<ContentDigest>()) { $0.formUnion(KeptRuns.digests(of: $1)) }.filter { !local.contains($0) }
        let there = try remote.holds(missing)
        transfer.incomplete = runs.filter { !there.isSuperset(of: KeptRuns.digests(of: $0).filter { !local.contains($0) }) }.map(\.id)
        let moving = missing.intersection(there).sorted { $0.hex < $1.hex }
        transfer.present = runs.reduce(into: Set<ContentDigest>()) { $0.formUnion(KeptRuns.digests(of: $1)) }.count - missing.count
        progress.expect(moving.count)
        try remote.download(moving, into: local, progress: progress)
        transfer.objects = moving.count
        transfer.bytes = moving.reduce(0) { $0 + local.size(of: $1) }
        return transfer
    }

    /// The objects of `runs` that `available` holds; runs missing some are listed in `incomplete`.
    private func needs(of runs: [RunRecord], from available: (ContentDigest) -> Bool, incomplete: inout [String]) -> Set<ContentDigest> {
        var needed: Set<ContentDigest> = []
        for run in runs {
            let objects = KeptRuns.digests(of: run)
            let held = objects.filter(available)
            if held.count < objects.count { incomplete.append(run.id) }
            needed.formUnion(held)
        }
        return needed
    }

    /// The runs `names` name, or every run recorded on HEAD's history.
    private func selected(_ names: [String]) throws -> [RunRecord] {
        guard names.isEmpty else { return RunHistory.unique(try names.flatMap { try history.select($0).runs }) }
        guard let head = try history.repository.head() else { return [] }
        return try history.runs(on: try history.repository.commits(from: head.commit, hiding: [])).flatMap { $0 }
    }
}
