import Foundation

extension RunReport {
    /// What the records and the repository say about a run or sweep.
    struct Facts {
        /// The recipe the runs ran.
        let recipe: String
        /// The commit the runs ran on.
        let commit: String
        /// Whether this repository has that commit (else the note was carried here by a rewrite).
        let commitPresent: Bool
        /// Each run's manifest, read once.
        let manifests: [RunManifest]
        /// The first run's manifest: what the runs of a sweep share.
        var manifest: RunManifest { manifests[0] }
        /// Each output path any run recorded, with each run's digest of it.
        let outputs: [(path: String, digests: [String?])]
        /// The recipe's `description` at the commit.
        let description: String?
        /// The metrics the recipe declares a tolerance for.
        let keyMetrics: [String]
        /// The claims the recipe states at the run's commit.
        let claims: [Claim]
        /// The container image, if any.
        let image: String?
        /// Each input with its digest and whether git holds it.
        let inputs: [(path: String, digest: String, inGit: Bool)]
        /// The names of the steps that ran.
        let steps: [String]
        /// Why the recipe at the commit with the recorded overrides does not give the
        /// recorded params, if it does not.
        let paramsProblem: String?

        /// What the records of `runs` and `repository` say.
        init(_ runs: [RunRecord], repository: Repository) throws {
            let run = runs[0]
            recipe = run.recipe
            commit = run.commit
            let manifests = try runs.map { try $0.manifest() }
            self.manifests = manifests
            let manifest = manifests[0]
            let recorded = manifests.map { Dictionary($0.outputDigests) { first, _ in first } }
            outputs = Set(recorded.flatMap(\.keys)).sorted().map { path in (path, recorded.map { $0[path] }) }
            let own = try repository.commit(named: run.commit)
            commitPresent = own?.hex == run.commit
            let files = StoredFiles(repository: repository, entries: try repository.treeEntries(of: own ?? run.attachedTo))
            let pipeline = (try? Project.load(from: files, recipes: [run.recipe]))?.pipelines.first
            description = pipeline?.recipe.summary
            keyMetrics = (pipeline?.recipe.tolerance.keys).map { $0.sorted() } ?? []
            claims = pipeline?.recipe.claims ?? []
            image = manifest.environment.image
            inputs = manifest.inputs.byKeyBytes.map { path, digest in (path, digest, !files.entries(overlapping: path).isEmpty) }
            steps = manifest.steps.map(\.name)
            paramsProblem = Self.paramsProblem(recipe: pipeline?.recipe, manifest: manifest, seed: run.seed)
        }

        /// Applies the recorded overrides to the recipe's params, as `run` would, and compares
        /// the result with the recorded params.
        private static func paramsProblem(recipe: Recipe?, manifest: RunManifest, seed: Int?) -> String? {
            guard let recipe else { return "the recipe is not at the commit, or does not validate there" }
            guard let seed = seed ?? recipe.seed?.value,
                let settings = try? RunSettings(recipe: recipe, overrides: manifest.overrides, seeds: [seed])
            else {
                return "the recorded overrides do not apply to the recipe at the commit"
            }
            let rebuilt = ManifestValue(CanonicalYAML.map(settings.params.mapValues(CanonicalYAML.init)))
            let recorded = Dictionary(manifest.section(.params).leaves.map { ($0.path, $0.value.text) }) { first, _ in first }
            let differing = rebuilt.leaves.filter { recorded[$0.path] != $0.value.text }
                .map { "`\($0.path)` \(recorded[$0.path] ?? "absent") recorded, \($0.value.text) rebuilt" }
            return differing.isEmpty ? nil : "the recipe and the recorded overrides give other params: " + differing.joined(separator: ", ")
        }

        /// The `git recipe run` command that makes these runs again: the recorded overrides,
        /// seeds and executor.
        func command(_ runs: [RunRecord]) -> String {
            var words = ["git", "recipe", "run", recipe.shellQuoted]
            for assignment in Self.assignments(manifest.overrides) { words += ["-p", assignment.shellQuoted] }
            let seeds = runs.compactMap(\.seed)
            if seeds.count == 1 {
                words += ["--seed", String(seeds[0])]
            } else if let low = seeds.first, seeds == Array(low..<(low + seeds.count)) {
                words += ["--seeds", "\(low)..\(low + seeds.count - 1)"]
            } else {
                words += ["--seeds", seeds.map(String.init).joined(separator: ",")]
            }
            if let kind = manifest.executor.kind.present, kind != "local" { words += ["--executor", kind] }
            return words.joined(separator: " ")
        }

        /// Overrides as `-p` assignments: a string as it is, anything else as JSON, which
        /// reads back as the same YAML value.
        static func assignments(_ overrides: [String: ParamValue]) -> [String] {
            overrides.byKeyBytes.map { key, value in
                if case .string(let text) = value { return "\(key)=\(text)" }
                return "\(key)=\(ManifestValue(CanonicalYAML(value)).json())"
            }
        }
    }

    /// What of the runs' data and outputs this machine still holds, byte for byte.
    struct Preservation {
        /// Per input git does not track: whether it is here with the recorded digest.
        let untrackedInputs: [String: String]
        /// Whether every input git does not track is here unchanged.
        let untrackedInputsHere: Bool
        /// The run whose outputs the work tree holds unchanged, if any.
        let outputsHere: RunRecord?
        /// Whether the artifact store holds every file of every run's outputs.
        let outputsStored: Bool

        /// What this machine holds of `facts`' data and outputs.
        init(_ facts: Facts, runs: [RunRecord], repository: Repository) throws {
            let locker = try Locker(repository: repository)
            defer { try? locker.finish() }
            func digest(_ path: String) -> String? { (try? locker.measure([path]))?.first?.digest.description }
            var untracked: [String: String] = [:]
            for input in facts.inputs where !input.inGit {
                untracked[input.path] =
                    switch digest(input.path) {
                    case input.digest?: "outside git; here, unchanged"
                    case nil: "outside git; not on this machine"
                    default: "outside git; here, but changed since"
                    }
            }
            untrackedInputs = untracked
            untrackedInputsHere = untracked.values.allSatisfy { $0.hasSuffix("unchanged") }
            let outputs = facts.outputs
            let here = outputs.map { digest($0.path) }
            outputsHere =
                outputs.isEmpty
                ? nil
                : runs.indices.last { index in
                    zip(outputs, here).allSatisfy { output, digest in digest != nil && output.digests[index] == digest }
                }.map { runs[$0] }
            let store = ObjectStore(repository: repository)
            // The manifests Facts decoded already: no run is decoded twice.
            let needed = facts.manifests.map(\.storedObjects)
            outputsStored = !outputs.isEmpty && needed.allSatisfy { !$0.isEmpty && $0.allSatisfy(store.contains) }
        }
    }

    /// The reproducibility checklist, each item marked from what was recorded.
    struct Checklist {
        /// The checklist's items, in order.
        let items: [ReportDocument.Check]

        /// The checklist for `runs`, from `facts`, their reproductions and what is preserved.
        init(facts: Facts, runs: [RunRecord], reproductions: [RunRecord], preservation: Preservation) {
            var items: [ReportDocument.Check] = []
            let commandProblem =
                if !runs.allSatisfy({ $0.seed != nil }) {
                    "a run records no seed"
                } else if !facts.commitPresent {
                    "commit `\(facts.commit.prefix(12))` is not in this repository: fetch it"
                } else {
                    facts.paramsProblem
                }
            items.append(
                .init(
                    mark: commandProblem == nil ? .met : .unmet, item: "Command reconstructable",
                    detail: commandProblem
                        ?? "the recipe at the commit with the recorded overrides gives the recorded params: `\(facts.command(runs))`"))
            items.append(
                facts.commitPresent
                    ? .init(
                        mark: .met, item: "Code snapshot",
                        detail: "commit `\(facts.commit.prefix(12))` is in this repository; the tree was clean when the runs started")
                    : .init(
                        mark: .unmet, item: "Code snapshot",
                        detail: "the runs ran on `\(facts.commit.prefix(12))`, which this repository does not have"))

            let outside = facts.inputs.filter { !$0.inGit }
            let data =
                "\(facts.inputs.count) input\(facts.inputs.count == 1 ? "" : "s") pinned by SHA-256 (\(facts.inputs.count - outside.count) in git, \(outside.count) outside); "
                + "preprocessing is part of the recipe (steps \(facts.steps.map { "`\($0)`" }.joined(separator: ", "))) and covered by its lock"
            items.append(
                facts.inputs.isEmpty
                    ? .init(
                        mark: .partly, item: "Data, tokenizer and preprocessing identified",
                        detail: "the recipe declares no inputs: whatever its steps read is not pinned")
                    : .init(
                        mark: preservation.untrackedInputsHere ? .met : .partly, item: "Data, tokenizer and preprocessing identified",
                        detail: data
                            + (preservation.untrackedInputsHere
                                ? "" : "; data outside git is not here unchanged, so it is identified but not preserved here")))

            let outputs = facts.outputs
            items.append(
                outputs.isEmpty
                    ? .init(mark: .unmet, item: "Outputs preserved", detail: "the recipe declares no outputs")
                    : preservation.outputsStored
                        ? .init(
                            mark: .met, item: "Outputs preserved",
                            detail: "every output of every run is in the artifact store, by digest: `git recipe checkout \(runs[0].id)` restores it")
                        : preservation.outputsHere.map { run in
                            .init(
                                mark: runs.count == 1 ? .met : .partly, item: "Outputs preserved",
                                detail: "every output is recorded by digest; the work tree holds run `\(run.id)`'s unchanged"
                                    + (runs.count == 1 ? "" : ", the other seeds' only as digests"))
                        }
                            ?? .init(
                                mark: .partly, item: "Outputs preserved",
                                detail:
                                    "recorded by digest only: the files here differ or are gone (the next run overwrites them); keep a copy somewhere durable"
                            ))

            let probes = facts.manifest.section(.probes).inlinePairs
            items.append(
                facts.image != nil
                    ? .init(mark: .met, item: "Environment pinned", detail: "image pinned by digest; probes recorded: \(probes)")
                    : .init(
                        mark: .partly, item: "Environment pinned", detail: "ran on the host, without a container image; probes recorded: \(probes)"))

            items.append(
                runs.count >= 3
                    ? .init(mark: .met, item: "Seed variation measured", detail: "\(runs.count) seeds")
                    : .init(
                        mark: runs.count == 2 ? .partly : .unmet, item: "Seed variation measured",
                        detail: runs.count == 2 ? "2 seeds: a spread, but a wide interval" : "one seed: no estimate of seed noise"))

            let verdicts = Set(reproductions.compactMap(\.tier))
            items.append(
                verdicts.contains(.diverged)
                    ? .init(mark: .unmet, item: "Reproduced", detail: "a reproduction diverged (see Reproductions)")
                    : verdicts.contains(.exact)
                        ? .init(mark: .met, item: "Reproduced", detail: "bit for bit")
                        : verdicts.contains(.withinTolerance)
                            ? .init(mark: .partly, item: "Reproduced", detail: "within the recipe's tolerance, not bit for bit")
                            : .init(mark: .unmet, item: "Reproduced", detail: "no reproduction recorded"))

            items.append(Self.whatMayVary(facts: facts, runs: runs, verdicts: verdicts))
            self.items = items
        }

        /// What the records show could still differ on another attempt.
        static func whatMayVary(facts: Facts, runs: [RunRecord], verdicts: Set<Verdict.Tier>) -> ReportDocument.Check {
            let manifests = facts.manifests
            var vary: [String] = []
            let drift = manifests.flatMap(\.environment.drift)
            if !drift.isEmpty { vary.append("probes drifted from the lock: " + Set(drift).sorted().joined(separator: "; ")) }
            if verdicts.contains(.withinTolerance) || verdicts.contains(.diverged) {
                vary.append("outputs are not bit-identical from one attempt to the next")
            }
            if facts.image == nil { vary.append("system libraries and drivers beyond what the probes record") }
            if manifests.contains(where: { !$0.host.gpus.isEmpty }) {
                vary.append("GPU kernels, which may be nondeterministic")
            }
            let hosts = Set(manifests.compactMap(\.host.name.present))
            if hosts.count > 1 { vary.append("the runs ran on \(hosts.count) hosts") }
            return .init(
                mark: vary.isEmpty ? .met : .partly, item: "What may still vary",
                detail: vary.isEmpty ? "nothing the records show" : vary.joined(separator: "; "))
        }
    }
}
