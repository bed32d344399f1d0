import Foundation

/// Turns what a run did into its manifest and records it (invariant 4 in
/// docs/architecture.md): in the note on its commit, or, when the notes ref cannot move, in
/// the journal, from where the next command that records or syncs runs adds it. Either way
/// the run is never lost.
struct RunRecorder {
    /// Where the record goes.
    let repository: Repository
    /// The recipe that ran.
    let pipeline: Pipeline
    /// The commit and lock it ran with.
    let preflight: Runner.Preflight
    /// Where warnings go.
    let events: RunEvents

    /// What the recorder is told about one run besides its steps' results.
    struct Facts {
        /// What ran.
        let plan: RunPlan
        /// The sweep it belongs to.
        let sweep: String?
        /// The grid its sweep is a point of.
        let grid: String?
        /// When the first step started.
        let started: Date
        /// When the last step ended.
        let finished: Date
        /// The steps' environment, of which `RecordedEnvironment` keeps a part.
        let environment: [String: String]
        /// For a reproduction: the run it re-ran and its verdict.
        let reproduction: (original: Reproduction, verdict: Verdict?)?
    }

    /// The run's manifest.
    func manifest(_ results: StepResults, _ facts: Facts) throws -> RunManifest {
        let lock = preflight.lock
        let identity = try repository.identity()
        let verdict = facts.reproduction?.verdict
        return RunManifest(
            id: facts.plan.id, recipe: pipeline.recipe.name, status: results.status,
            commit: preflight.commit.commit.hex, tree: preflight.commit.tree.hex, lock: lock.digest.description,
            started: RunID.timestamp(facts.started), finished: RunID.timestamp(facts.finished),
            user: .init(name: identity.name, email: identity.email), seed: facts.plan.seed,
            params: facts.plan.settings.params, overrides: facts.plan.settings.overrides, executor: results.executor,
            host: HostFacts.collect(), tool: .init(version: GitRecipeVersion.current, libgit2: LibGit2.version),
            environment: .init(
                probes: lock.probes, files: lock.environmentFiles.mapValues(\.description), image: lock.image,
                vars: RecordedEnvironment.record(facts.environment, recipeVars: pipeline.recipe.environment.vars),
                drift: preflight.drift.map(\.description)),
            inputs: lock.inputs.mapValues(\.description),
            assets: lock.assets.reduce(into: [:]) { assets, entry in
                assets[entry.key] = .init(digest: entry.value.description, from: facts.plan.assets[entry.key]?.from ?? "path")
            },
            components: lock.components.reduce(into: [:]) { sources, entry in
                let url = pipeline.steps.lazy.compactMap(\.pinned?.source).first { $0.name == entry.key }?.url ?? ""
                sources[entry.key] = .init(url: url, commit: entry.value.commit, files: entry.value.files.mapValues(\.description))
            },
            steps: results.steps, outputs: results.outputs.mapValues(RunManifest.Output.init), metrics: results.metrics,
            sweep: facts.sweep, grid: facts.grid, reproduces: facts.reproduction?.original.run, verdict: verdict?.tier,
            differences: verdict.flatMap { $0.tier == .exact ? nil : RunManifest.Differences(outputs: $0.outputs, metrics: $0.metrics) })
    }

    /// Records `manifest`; a record that went to the journal is announced as a warning. With
    /// `recipe.sign` set, the record is then signed; a signature that cannot be
    /// made loses nothing: the run stays recorded, and the warning says how to sign it later.
    func record(_ manifest: RunManifest) throws {
        let warn: (String) -> Void = { events(.warning($0)) }
        let document = manifest.rendered
        let commit = preflight.commit.commit
        let placement = try RunJournal(repository: repository).record(document, id: manifest.id, on: commit, warn: warn)
        if case .journal(let path, let reason) = placement {
            warn(
                "run \(manifest.id) could not be added to \(Repository.notesRef) (\(reason)); its record is kept in \(path) "
                    + "and will be added by the next git recipe run, reproduce, pull or push; log and show list it meanwhile")
        }
        guard try repository.configFlag("recipe.sign") == true, let record = RunRecord(document: document, attachedTo: commit) else { return }
        do {
            try Attestations(repository: repository).sign([record])
        } catch {
            warn("run \(manifest.id) is recorded but not signed: \(error)\nsign it once that is fixed: git recipe sign \(manifest.id)")
        }
    }
}
