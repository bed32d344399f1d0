import Foundation

/// Runs a recipe from a clean commit with a fresh lock and records each run as a YAML
/// document in the note on that commit (docs/reference.md, Run record; the invariants of
/// docs/architecture.md). A run goes through four stages: `preflight` (the invariants that
/// must hold before anything runs), `RunPlan` (the commands), a `StepExecutor` (the steps,
/// each judged by `StepChecks`) and `RunRecorder` (the manifest, into the note or the
/// journal).
public final class Runner {
    /// The repository the run is made in.
    let repository: Repository
    /// The recipe's steps, resolved.
    let pipeline: Pipeline
    /// Locks the recipe and hashes outputs.
    private let locker: Locker
    /// The project's files, as the lock is compared against them.
    private let files: any ProjectFiles
    /// Whether Ctrl-C has arrived.
    let interruption: Interruption
    /// Where the run's events go.
    let events: RunEvents
    /// Where a succeeded run's outputs are kept; `nil` with `artifacts.keep: none`.
    private let store: ObjectStore?
    /// Whether the runs happen in a scratch worktree, whose params files a run may rewrite;
    /// the user's checkout is never written.
    private let inScratchWorktree: Bool

    /// A runner that takes over Ctrl-C and SIGTERM for the rest of the process, and tells
    /// `events` what happens while runs are under way.
    public convenience init(
        repository: Repository, pipeline: Pipeline, locker: Locker, files: any ProjectFiles, artifacts: ProjectConfig.Artifacts,
        events: @escaping RunEvents
    ) {
        self.init(
            repository: repository, pipeline: pipeline, locker: locker, files: files, interruption: .install(), artifacts: artifacts,
            events: events, inScratchWorktree: false)
    }

    /// A runner that shares `interruption` with its caller (a reproduction installs its own).
    init(
        repository: Repository, pipeline: Pipeline, locker: Locker, files: any ProjectFiles, interruption: Interruption,
        artifacts: ProjectConfig.Artifacts, events: @escaping RunEvents, inScratchWorktree: Bool
    ) {
        self.inScratchWorktree = inScratchWorktree
        self.repository = repository
        self.pipeline = pipeline
        self.locker = locker
        self.files = files
        self.interruption = interruption
        self.events = events
        store = artifacts.keep == .none ? nil : ObjectStore(repository: repository)
    }

    /// What a run depends on, checked before anything runs.
    public struct Preflight: Sendable {
        /// The clean commit the run starts from.
        public let commit: CommitRef
        /// The lock, fresh for the commit and the inputs on disk.
        public let lock: Lockfile
        /// Probe outputs that differ from the lock, accepted with `--allow-drift`.
        public let drift: [LockChange]
        /// Where each step runs: its engine and images, checked.
        public let isolator: Isolator
    }

    /// Invariants 1 and 2: a clean commit, and a lock fresh for it and for the inputs on
    /// disk. Probe drift refuses too, unless `allowDrift`; so does an image the engine
    /// cannot find or pull by its digest, or a sandbox without bubblewrap.
    public func preflight(allowDrift: Bool) throws -> Preflight {
        // The container engine answers (tens of milliseconds a question) while the rest is checked.
        let engineName = try repository.config("recipe.containerEngine")
        let prepared = Slots<Result<Isolator, any Error>>(count: 1)
        let preparing = DispatchGroup()
        let facts = EngineFacts(repository: repository)
        onOwnThread(group: preparing) { [pipeline] in
            prepared[0] = Result { try Isolator.prepare(pipeline, engineName: engineName, facts: facts) }
        }
        defer { preparing.wait() }
        let (commit, lock, drift) = try checkedCommitAndLock(allowDrift: allowDrift)
        preparing.wait()
        return Preflight(commit: commit, lock: lock, drift: drift, isolator: try prepared.values[0].get())
    }

    /// The clean commit, and the lock fresh for it with the probe drift `allowDrift` accepts.
    private func checkedCommitAndLock(allowDrift: Bool) throws -> (CommitRef, Lockfile, [LockChange]) {
        let name = pipeline.recipe.name
        let cleanliness = try repository.cleanliness()
        guard cleanliness.isClean, let commit = try repository.head() else {
            throw RunRefusal.notClean(cleanliness.problems, recipe: name)
        }
        // Before any step runs: a lock nobody holds any more would keep the record out of
        // the note (it would go to the journal), and every later run with it.
        try NotesLocked.check(repository)
        RunJournal(repository: repository).flush { [events] in events(.warning($0)) }
        try DeclaredOutputs(root: repository.workTree, paths: pipeline.steps.flatMap(\.outputs)).checkNoSymlinks()
        let lock = try locker.lock(pipeline)
        switch try locker.state(of: name, against: lock, files: files) {
        case .fresh:
            return (commit, lock, [])
        case .stale(let changes) where allowDrift && changes.allSatisfy(\.isProbe):
            return (commit, lock, changes)
        case .stale(let changes):
            throw RunRefusal.staleLock(recipe: name, changes: changes)
        case .missing:
            throw RunRefusal.staleLock(recipe: name, changes: [])
        case .untrusted(let error):
            throw error
        }
    }

    /// The plan of a run with `settings` and `seed`; `id` names it.
    public func plan(_ settings: RunSettings, seed: Int, id: String = "RUN_ID") throws -> RunPlan {
        try RunPlan(
            pipeline: pipeline, settings: settings, seed: seed, id: id, directory: "\(RunLogs.directory(in: repository))/\(id)",
            assets: try locker.assetLocations(of: pipeline.recipe))
    }

    /// A new run's plan, its directory made with its pinned components' files in it, and its
    /// params file (`RECIPE_PARAMS`) written.
    func preparedPlan(_ settings: RunSettings, seed: Int) throws -> RunPlan {
        let plan = try plan(settings, seed: seed, id: RunID.make())
        try FileManager.default.createDirectory(atPath: plan.directory, withIntermediateDirectories: true)
        try ComponentFiles.write(for: pipeline.steps, inRun: plan.directory, repository: repository)
        // Not Data.write, which fsyncs: a scratch file for the steps, rebuilt on every run.
        guard
            FileManager.default.createFile(
                atPath: plan.paramsFile, contents: Data(CanonicalYAML.map(settings.params.mapValues(CanonicalYAML.init)).rendered().utf8))
        else {
            throw FileWriteError(path: plan.paramsFile, reason: "cannot create it")
        }
        return plan
    }

    /// How one run ended.
    public struct Outcome: Sendable {
        /// The run's id.
        public let id: String
        /// The recipe it ran.
        public let recipe: String
        /// The commit whose note records it.
        public let commit: String
        /// The seed it ran with.
        public let seed: Int
        /// How it ended.
        public let status: RunStatus
        /// Wall-clock seconds from start to record.
        public let seconds: Double
        /// Its metrics, flattened to dotted names.
        public let metrics: [String: Double]
        /// For a reproduction that ran to the end, how it compares with the original.
        public let verdict: Verdict?
        /// The grid it is a run of.
        public let grid: String?
    }

    /// One run a sweep or a grid asks for.
    struct Member: Sendable {
        /// The params it runs with.
        let settings: RunSettings
        /// Its seed.
        let seed: Int
        /// The sweep it is one seed of.
        let sweep: String?
        /// The grid its sweep is a point of.
        let grid: String?
        /// What its output lines start with when runs overlap: `seed 3 · `, `lr=0.1 seed 3 · `.
        let label: String
    }

    /// A new sweep or grid id: `PREFIX-` and 8 hex digits.
    private static func newID(_ prefix: String) -> String { "\(prefix)-" + UUID().uuidString.prefix(8).lowercased() }

    /// One run per seed of `settings` on `executor`, all in one sweep when there are
    /// several. `useCache: false` runs every step (`--no-cache`).
    public func sweep(_ settings: RunSettings, preflight: Preflight, on executor: any StepExecutor, useCache: Bool = true) throws -> [Outcome] {
        let sweep = settings.seeds.count > 1 ? Self.newID("sweep") : nil
        let members = settings.seeds.map { Member(settings: settings, seed: $0, sweep: sweep, grid: nil, label: "seed \($0) · ") }
        return try run(members, preflight: preflight, on: executor, useCache: useCache)
    }

    /// Every point of `grid` × every seed on `executor`: each point a sweep of its own (with
    /// one seed too), all in one grid.
    public func grid(_ grid: RunGrid, preflight: Preflight, on executor: any StepExecutor, useCache: Bool = true) throws -> [Outcome] {
        let id = Self.newID("grid")
        let members = grid.points.flatMap { point in
            let sweep = Self.newID("sweep")
            return point.settings.seeds.map {
                Member(settings: point.settings, seed: $0, sweep: sweep, grid: id, label: "\(point.label) seed \($0) · ")
            }
        }
        return try run(members, preflight: preflight, on: executor, useCache: useCache)
    }

    /// Runs `members` at once, as many as the executor allows (`parallelSweep`), else one
    /// after another; `events` hears `.finished` after each is recorded. Stops after a run
    /// that was cancelled. Runs whose params differ from the recipe's params files all
    /// happen in scratch worktrees, where the files carry them.
    private func run(_ members: [Member], preflight: Preflight, on executor: any StepExecutor, useCache: Bool) throws -> [Outcome] {
        let workers = min(executor.concurrentRuns, members.count)
        let overridesParamsFiles = members.contains { rewritesParamsFiles($0.settings.params) }
        if workers > 1 || overridesParamsFiles {
            return try parallelSweep(
                members, preflight: preflight, on: executor, useCache: useCache, workers: workers, inCheckout: !overridesParamsFiles)
        }
        var outcomes: [Outcome] = []
        for member in members {
            let outcome = try run(
                member.settings, seed: member.seed, sweep: member.sweep, grid: member.grid, preflight: preflight, on: executor, useCache: useCache)
            outcomes.append(outcome)
            events(.finished(outcome))
            if outcome.status == .cancelled { break }
        }
        return outcomes
    }

    /// Runs every step once with `seed` on `executor`, then records the run. A step whose
    /// key a recorded step has is restored from the store instead, unless `useCache` is
    /// false; a reproduction never uses the cache. A reproduction of `original` records which
    /// run it re-ran and, if it succeeded, its verdict.
    public func run(
        _ settings: RunSettings, seed: Int, sweep: String?, grid: String? = nil, preflight: Preflight, on executor: any StepExecutor,
        useCache: Bool = true, reproducing original: Reproduction? = nil, label: String? = nil
    ) throws -> Outcome {
        let plan = try preparedPlan(settings, seed: seed)
        let started = Date()
        assert(inScratchWorktree || !rewritesParamsFiles(settings.params), "a run with params-file overrides reached the checkout")
        var checks = StepChecks(repository: repository, locker: locker, before: try repository.fingerprint())
        if inScratchWorktree {
            checks.rewritten = try ParamsFile.write(pipeline.recipe.paramsFiles, params: settings.params, under: repository.workTree)
        }
        let environment = stepEnvironment(plan)
        let cache = try store.map { store in
            StepCache(
                root: repository.workTree, lock: preflight.lock, vars: pipeline.recipe.environment.vars, params: settings.params,
                paramsFromFiles: !pipeline.recipe.paramsFiles.isEmpty, seed: seed, store: store,
                index: useCache && original == nil ? try StepIndex(repository: repository) : nil)
        }
        var results = try executor.execute(
            plan,
            in: StepRun(
                plan: plan, recipe: pipeline.recipe.name, repository: repository, environment: environment,
                isolator: preflight.isolator, checks: checks, interruption: interruption, events: events, cache: cache, label: label))
        let finished = Date()
        let unlinked = Trackers.link(
            &results.steps, recipe: pipeline.recipe.name, run: plan.id, base: environment, directory: plan.directory, workTree: repository.workTree)
        for warning in unlinked { events(.warning(warning)) }
        if results.status == .succeeded, let store { keep(results.outputs, in: store) }
        let verdict = results.status == .succeeded ? original?.judge(outputs: results.outputs, metrics: results.metrics) : nil
        let recorder = RunRecorder(repository: repository, pipeline: pipeline, preflight: preflight, events: events)
        try recorder.record(
            try recorder.manifest(
                results,
                .init(
                    plan: plan, sweep: sweep, grid: grid, started: started, finished: finished, environment: environment,
                    reproduction: original.map { ($0, verdict) })))
        return Outcome(
            id: plan.id, recipe: pipeline.recipe.name, commit: preflight.commit.commit.hex, seed: seed, status: results.status,
            seconds: finished.timeIntervalSince(started),
            metrics: results.metrics, verdict: verdict, grid: grid)
    }

    /// Whether a run with `params` needs the recipe's params files rewritten: it overrides a
    /// value one of them declares.
    private func rewritesParamsFiles(_ params: [String: ParamValue]) -> Bool {
        !pipeline.recipe.paramsFiles.isEmpty && params != pipeline.recipe.params
    }

    /// Keeps a succeeded run's outputs in the store. A copy that fails is a warning: the run
    /// is recorded all the same, only its outputs cannot be checked out later.
    private func keep(_ outputs: [String: TreeHasher.Measured], in store: ObjectStore) {
        for (path, output) in outputs.sorted(by: { $0.key < $1.key }) {
            for (file, digest) in RunManifest.Output(output).files(at: path).compactMap({ file in ContentDigest(file.digest).map { (file.path, $0) } }
            ) {
                do {
                    try store.keep("\(repository.workTree)/\(file)", digest: digest)
                } catch {
                    events(.warning("output '\(path)' was not kept in the artifact store: \(error)"))
                    break
                }
            }
        }
    }

    /// The environment every step of `plan` gets: ours, without what names our checkout,
    /// with the recipe's `vars` and the `RECIPE_*` variables (docs/reference.md).
    func stepEnvironment(_ plan: RunPlan) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        // Steps find the repository from their working directory, as in a plain shell: what
        // git exported to us names our checkout, which for a reproduction is not theirs.
        for name in Repository.locationVariables { environment[name] = nil }
        environment.merge(pipeline.recipe.environment.vars) { _, recipe in recipe }
        environment["RECIPE_SEED"] = String(plan.seed)
        environment["RECIPE_RUN_ID"] = plan.id
        environment["RECIPE_PARAMS"] = plan.paramsFile
        for (name, value) in ParamValue.map(plan.settings.params).leaves(prefix: "") {
            environment["RECIPE_PARAM_" + name.dropFirst().uppercased().replacingOccurrences(of: ".", with: "_")] = value.description
        }
        return environment
    }
}
