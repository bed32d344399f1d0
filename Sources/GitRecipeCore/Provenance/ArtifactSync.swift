import Foundation

/// `git recipe push|pull --artifacts [STORE] [RUN…]`: moves the objects a set of
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
        try transfer(names, pushing: true, progress: progress)
    }

    /// Downloads what `names` (every run on HEAD's history when empty) need and this clone lacks.
    public func pull(_ names: [String], progress: TransferProgress) throws -> Transfer {
        try transfer(names, pushing: false, progress: progress)
    }

    /// Moves the objects the runs need from the side that holds them to the side that lacks
    /// them; each run's manifest is decoded once.
    private func transfer(_ names: [String], pushing: Bool, progress: TransferProgress) throws -> Transfer {
        let runs = try selected(names)
        let objects = runs.map { (id: $0.id, digests: KeptRuns.digests(of: $0)) }
        let all = objects.reduce(into: Set<ContentDigest>()) { $0.formUnion($1.digests) }
        let here = all.filter(local.contains)
        // What the sending side can give, and of that what the receiving side lacks.
        let available = pushing ? here : here.union(try remote.holds(all.subtracting(here)))
        let moving = (pushing ? here.subtracting(try remote.holds(here)) : available.subtracting(here)).sorted { $0.hex < $1.hex }
        var transfer = Transfer(runs: runs.count)
        transfer.incomplete = objects.filter { !available.isSuperset(of: $0.digests) }.map(\.id)
        // Already on the receiving side: in the store (push), or here (pull).
        transfer.present = pushing ? here.count - moving.count : here.count
        progress.expect(moving.count)
        if pushing {
            try remote.upload(moving, from: local, progress: progress)
        } else {
            try remote.download(moving, into: local, progress: progress)
        }
        transfer.objects = moving.count
        transfer.bytes = moving.reduce(0) { $0 + local.size(of: $1) }
        return transfer
    }

    /// The runs `names` name, or every run recorded on HEAD's history.
    private func selected(_ names: [String]) throws -> [RunRecord] {
        guard names.isEmpty else { return RunHistory.unique(try names.flatMap { try history.select($0).runs }) }
        guard let head = try history.repository.head() else { return [] }
        return try history.runs(on: try history.repository.commits(from: head.commit, hiding: [])).flatMap { $0 }
    }
}
