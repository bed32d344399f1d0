import Foundation

/// `git recipe report`: what a run or sweep shows and how strong that evidence is — the
/// question, the setup and how to re-run it, the results with seed statistics, a comparison
/// with a baseline, the reproductions recorded, provenance, and a reproducibility checklist
/// marked from the records.
public struct RunReport {
    /// Where the recipes are read at the runs' commits.
    let repository: Repository
    /// Where the runs are read.
    let history: RunHistory

    /// A report on the runs of `history`, reading the recipes at their commits in `repository`.
    public init(repository: Repository, history: RunHistory) {
        self.repository = repository
        self.history = history
    }

    /// The runs a name stands for in a report: one run, or the runs of one sweep. A revision
    /// with runs of one recipe stands for its latest run or sweep of it — or, for a
    /// baseline (`largest`), its sweep with the most seeds.
    static func group(of selection: RunSelection, largest: Bool = false) throws -> [RunRecord] {
        if let group = selection.group { return group }
        let recipes = selection.recipes
        guard recipes.count == 1, let group = largest ? selection.largestGroup(of: recipes[0]) : selection.latestGroup(of: recipes[0]) else {
            throw RunNameError(
                "'\(selection.name)' holds runs of \(recipes.count) recipes (\(recipes.joined(separator: ", "))); "
                    + "name one: \(selection.name):\(recipes.first ?? "RECIPE")")
        }
        return group
    }

    /// The report on `selection`, compared with `baselineSelection` when given. A grid is
    /// reported on through its best point, with the table of every point.
    public func document(candidate selection: RunSelection, baseline baselineSelection: RunSelection?) throws -> ReportDocument {
        let grid = try GridTable(selection.runs).flatMap { table in
            GridTable(selection.runs, keyMetrics: try Facts(table.bestRuns, repository: repository).keyMetrics)
        }
        let runs = try grid?.bestRuns ?? Self.group(of: selection)
        let baseline = try baselineSelection.map { try Self.group(of: $0, largest: true) }
        let facts = try Facts(runs, repository: repository)
        let reproductions = try self.reproductions(of: runs)
        let baselineReproductions = try baseline.map(self.reproductions(of:)) ?? []
        let signatures = Dictionary(
            try SignatureCheck(repository: repository).signatures(of: reproductions + baselineReproductions, in: Attestations(repository: repository))
                .map { ($0.run, $0) }
        ) { first, _ in first }
        let preservation = try Preservation(facts, runs: runs, repository: repository)
        var sections = [
            ReportDocument.Section(
                title: "Question",
                blocks: [
                    .paragraph(
                        facts.description.map { $0 } ?? "_The recipe states no question: add `description:` to `.recipes/\(facts.recipe).yaml`._")
                ]),
            setup(facts, runs),
            results(runs, keyMetrics: facts.keyMetrics),
        ]
        if let grid { sections.insert(grid.section, at: 2) }
        if let baseline { sections.append(try comparison(baseline, runs, keyMetrics: facts.keyMetrics)) }
        if !facts.claims.isEmpty { sections.append(try claims(facts, runs, reproductions: reproductions)) }
        sections += [
            self.reproductions(reproductions, of: runs, baseline: baselineReproductions, signatures: signatures),
            provenance(facts, runs, preservation),
            ReportDocument.Section(
                title: "Reproducibility checklist",
                blocks: [
                    .checklist(Checklist(facts: facts, runs: runs, reproductions: reproductions, preservation: preservation).items)
                ]),
        ]
        return ReportDocument(
            title: "\(facts.recipe): \(RunDiff.label(runs, markdown: true))",
            evidence: Self.evidence(runs, reproductions: reproductions, signatures: signatures, facts: facts), sections: sections)
    }

    // MARK: Sections

    /// What ran, with what, where, and the command that re-runs it.
    private func setup(_ facts: Facts, _ runs: [RunRecord]) -> ReportDocument.Section {
        let host = facts.manifest.host
        var hardware = [host.cpu.present.map { "cpu \($0)" }, host.cores > 0 ? "cores \(host.cores)" : nil].compactMap { $0 }
        if host.memory > 0 { hardware.append(String(format: "memory %.1f GiB", Double(host.memory) / 1_073_741_824)) }
        if !host.gpus.isEmpty { hardware.append("gpus " + host.gpus.joined(separator: ", ")) }
        let rows: [[String]] = [
            ["commit", "`\(facts.commit)`" + (runs[0].inheritedFrom == nil ? "" : " (note carried to `\(runs[0].attachedTo.hex.prefix(12))`)")],
            ["recipe", "`\(facts.recipe)`, lock `\(runs[0].lock)`"],
            ["params", facts.manifest.section(.params).inlinePairs],
            ["overrides", facts.manifest.section(.overrides).inlinePairs],
            ["seeds", runs.map { $0.seed.map(String.init) ?? "—" }.joined(separator: ", ")],
            ["environment", facts.manifest.section(.probes).inlinePairs + (facts.image.map { " · image `\($0)`" } ?? " · no container image")],
            ["hardware", ([host.name, host.os, host.arch].compactMap(\.present) + hardware).joined(separator: " · ")],
            ["executor", facts.manifest.executor.kind.present ?? "—"],
            ["ran", "\(runs[0].started) by \(facts.manifest.user.name.present ?? "?")"],
        ]
        return .init(
            title: "Setup",
            blocks: [
                .table(header: ["", ""], rows: rows),
                .paragraph(
                    "Re-run it from a clone of this repository (the data git does not track must be present, with the digests under Provenance):"),
                .code("git checkout \(facts.commit)\n\(facts.command(runs))"),
                .paragraph("Or re-run one run in a temporary worktree and compare: `git recipe reproduce \(runs[0].id)`."),
            ])
    }

    /// The metrics: one run's values, or a sweep's statistics and each seed's.
    private func results(_ runs: [RunRecord], keyMetrics: [String]) -> ReportDocument.Section {
        let statistics = SeedStatistics.of(runs)
        guard runs.count > 1 else {
            let run = runs[0]
            let rows = run.metrics.keyFirst(keyMetrics).map { ["`\($0.key)`", SeedStatistics.format($0.value)] }
            return .init(
                title: "Results",
                blocks: rows.isEmpty
                    ? [.paragraph("_The run recorded no metrics._")]
                    : [
                        .table(header: ["metric", "value"], rows: rows),
                        .paragraph("One seed: these numbers say nothing about how much they move from seed to seed."),
                    ])
        }
        let byName = Dictionary(uniqueKeysWithValues: statistics.map { ($0.metric, $0.statistics) })
        let ordered = byName.keyFirst(keyMetrics)
        let names = ordered.map(\.key)
        let summary = ordered.map { name, value -> [String] in
            [
                "`\(name)`", String(value.count), SeedStatistics.format(value.mean), SeedStatistics.format(value.standardDeviation),
                SeedStatistics.format(value.minimum), SeedStatistics.format(value.maximum), value.intervalText,
            ]
        }
        let perSeed = runs.map { run in
            [run.seed.map(String.init) ?? "—", "`\(run.id)`", run.status] + names.map { run.metrics[$0].map(SeedStatistics.format) ?? "—" }
        }
        return .init(
            title: "Results",
            blocks: [
                .paragraph(
                    "\(runs.count) seeds; the interval is the 95% confidence interval of the mean (Student t, \(runs.count - 1) degrees of freedom)."),
                .table(header: ["metric", "n", "mean", "std", "min", "max", "95% CI"], rows: summary),
                .table(header: ["seed", "run", "status"] + names.map { "`\($0)`" }, rows: perSeed),
            ] + names.prefix(Self.chartLimit).map { .chart(Self.chart($0, [("candidate", runs)])) })
    }

    /// Candidate against baseline, metric by metric, with the noise of each.
    private func comparison(_ baseline: [RunRecord], _ runs: [RunRecord], keyMetrics: [String]) throws -> ReportDocument.Section {
        let pair = try RunDiff.compare(baseline, runs, all: false)
        let metrics = pair.rows.filter { $0.section == "metrics" }
        let others = pair.rows.filter { $0.section != "metrics" }
        let tested = baseline.count > 1 && runs.count > 1
        let metricRows = metrics.map(\.key).keyFirst(keyMetrics).compactMap { name in metrics.first { $0.key == name } }.map { row in
            [
                "`\(row.key)`", row.a, row.b, row.delta.map { ($0 >= 0 ? "+" : "") + SeedStatistics.format($0) } ?? "—",
                row.relative.map { String(format: "%+.2f%%", $0 * 100) } ?? "—", row.comparison?.summary ?? "—",
            ]
        }
        var blocks: [ReportDocument.Block] = [
            .paragraph(
                "Baseline: \(RunDiff.label(baseline, markdown: true)) of `\(baseline[0].recipe)`"
                    + (baseline.count > 1 ? " (of the named revision's runs, the sweep with the most seeds)" : "") + ". "
                    + (tested
                        ? "Each difference is tested with Welch's t (unequal variances): the 95% confidence interval of the difference, "
                            + "the two-sided p-value and Cohen's d; it is significant when p < 0.05."
                        : "A side with one run has no spread, so no difference is tested and none can be told apart from seed noise.")),
            .table(header: ["metric", "baseline", "candidate", "Δ", "Δ %", "Welch's t test"], rows: metricRows),
        ]
        if !others.isEmpty {
            blocks.append(.paragraph("What else differs:"))
            blocks.append(.table(header: ["", "", "baseline", "candidate"], rows: others.map { [$0.section, "`\($0.key)`", $0.a, $0.b] }))
        }
        let common = metrics.filter { $0.delta != nil }.map(\.key)
        blocks += common.keyFirst(keyMetrics).prefix(Self.chartLimit).map { .chart(Self.chart($0, [("baseline", baseline), ("candidate", runs)])) }
        return .init(title: "Comparison with the baseline", blocks: blocks)
    }

    /// Every reproduction of the runs, and of the baseline's, with who signed each.
    private func reproductions(
        _ reproductions: [RunRecord], of runs: [RunRecord], baseline: [RunRecord], signatures: [String: SignatureCheck.Signatures]
    ) -> ReportDocument.Section {
        var blocks: [ReportDocument.Block] = []
        if reproductions.isEmpty {
            blocks.append(.paragraph("None recorded: nobody has re-run these runs and compared. Check one: `git recipe reproduce \(runs[0].id)`."))
        } else {
            blocks.append(Self.reproductionTable(reproductions, signatures: signatures))
        }
        if !baseline.isEmpty {
            blocks += [.paragraph("Of the baseline's runs:"), Self.reproductionTable(baseline, signatures: signatures)]
        }
        return .init(title: "Reproductions", blocks: blocks)
    }

    /// One row per reproduction: verdict, what differed, where and when, who signed it.
    private static func reproductionTable(_ reproductions: [RunRecord], signatures: [String: SignatureCheck.Signatures]) -> ReportDocument.Block {
        let rows = reproductions.map { run -> [String] in
            let manifest = try? run.manifest()
            let differences = manifest?.differences
            let differing = [("outputs", differences?.outputs.map(\.path)), ("metrics", differences?.metrics.map(\.name))]
                .compactMap { key, names -> String? in
                    guard let names, !names.isEmpty else { return nil }
                    return "\(key): " + names.sorted { $0.precedesByBytes($1) }.map { "`\($0)`" }.joined(separator: ", ")
                }
            return [
                "`\(run.id)`", "`\(run.reproduces ?? "?")`", run.verdict ?? "no verdict (\(run.status))",
                differing.isEmpty ? "—" : differing.joined(separator: "; "),
                "\(manifest?.host.name.present ?? "?") · \(manifest?.executor.kind.present ?? "?") · \(run.started)",
                signatures[run.id].map {
                    $0.signers.isEmpty ? ($0.problems.isEmpty ? "unsigned" : "not valid: \($0.problems[0])") : $0.signers.joined(separator: ", ")
                }
                    ?? "unsigned",
            ]
        }
        return .table(header: ["reproduction", "of run", "verdict", "what differed", "where and when", "signed by"], rows: rows)
    }

    /// Everything the runs were pinned to, by digest, and where it is now.
    private func provenance(_ facts: Facts, _ runs: [RunRecord], _ preservation: Preservation) -> ReportDocument.Section {
        var blocks: [ReportDocument.Block] = [
            .table(
                header: ["", ""],
                rows: [
                    ["code", "commit `\(facts.commit)`, tree `\(facts.manifest.tree.present ?? "?")`"],
                    ["lock", "`\(runs[0].lock)`: every input, param and environment file below, by digest"],
                    ["tool", "git-recipe \(facts.manifest.tool.version.present ?? "?"), libgit2 \(facts.manifest.tool.libgit2.present ?? "?")"],
                ])
        ]
        let inputs = facts.inputs.map { input in
            ["`\(input.path)`", "`\(input.digest)`", input.inGit ? "in git" : (preservation.untrackedInputs[input.path] ?? "—")]
        }
        if !inputs.isEmpty { blocks.append(.table(header: ["input", "digest", "where"], rows: inputs)) }
        let files = facts.manifest.environment.files ?? [:]
        let assets = facts.manifest.assets
        let environment =
            files.byKeyBytes.map { ["`\($0.key)`", "`\($0.value)`"] }
            + assets.byKeyBytes.map { ["asset `\($0.key)`", "`\($0.value.digest.present ?? "?")`"] }
            + (facts.image.map { [["image", "`\($0)`"]] } ?? [])
        if !environment.isEmpty { blocks.append(.table(header: ["environment and assets", "digest"], rows: environment)) }
        let outputs = facts.outputs.map { output in
            ["`\(output.path)`"] + output.digests.map { $0.map { "`\(ContentDigest($0)?.short ?? $0)`" } ?? "—" }
        }
        if !outputs.isEmpty {
            blocks.append(
                .table(header: ["output"] + runs.map { runs.count > 1 ? "seed \($0.seed.map(String.init) ?? "?")" : "digest" }, rows: outputs))
        }
        return .init(title: "Provenance", blocks: blocks)
    }

    // MARK: Facts

    /// Runs recorded as reproductions of `runs`, oldest first.
    private func reproductions(of runs: [RunRecord]) throws -> [RunRecord] {
        let ids = Set(runs.map(\.id))
        return RunHistory.unique(try history.allRuns().filter { $0.reproduces.map(ids.contains) ?? false }).sorted { $0.id < $1.id }
    }

    /// Each claim the recipe states, judged as `verify --claims` judges it, and the negative
    /// results beside them: the recipe's failed runs on the commit, and diverged reproductions.
    private func claims(_ facts: Facts, _ runs: [RunRecord], reproductions: [RunRecord]) throws -> ReportDocument.Section {
        let judgements = ClaimCheck(history: history).judge(facts.claims, of: facts.recipe, at: runs[0].attachedTo.hex)
        var blocks: [ReportDocument.Block] = judgements.map { judgement in
            .paragraph((judgement.supported ? "✅ **Supported.** " : "❌ **Not supported.** ") + Escaping.markdown(judgement.text))
        }
        let failed = try history.runs(on: runs[0].attachedTo).filter {
            $0.recipe == facts.recipe && $0.status != RunStatus.succeeded.rawValue && $0.reproduces == nil
        }
        let diverged = reproductions.filter { $0.tier == .diverged }
        let negative =
            failed.map { "run `\($0.id)` (seed \($0.seed.map(String.init) ?? "?")): \($0.status)" }
            + diverged.map { "reproduction `\($0.id)` of run `\($0.reproduces ?? "?")`: diverged" }
        blocks.append(
            .paragraph(
                negative.isEmpty
                    ? "Negative results: none recorded (no failed run of this recipe on this commit, no diverged reproduction)."
                    : "Negative results, reported with the claims: " + negative.joined(separator: "; ") + "."))
        return .init(title: "Claims", blocks: blocks)
    }

    /// One sentence on the strength of the evidence, from the number of seeds and the verdicts.
    static func evidence(
        _ runs: [RunRecord], reproductions: [RunRecord], signatures: [String: SignatureCheck.Signatures], facts: Facts
    ) -> String {
        let verdicts = reproductions.compactMap(\.tier)
        let seeds = runs.count == 1 ? "one run on one seed" : "\(runs.count) seeds"
        let reproduced = verdicts.isEmpty ? "not reproduced" : Self.reproduced(reproductions, signatures: signatures)
        let strength =
            if verdicts.contains(.diverged) {
                "contradicted"
            } else if runs.count >= 3 && !verdicts.isEmpty {
                "strong"
            } else if runs.count >= 3 || !verdicts.isEmpty {
                "moderate"
            } else {
                "weak"
            }
        var next: [String] = []
        if runs.count < 3 { next.append("run a sweep (`git recipe run \(facts.recipe) --seeds 0..4`)") }
        if verdicts.isEmpty { next.append("reproduce a run (`git recipe reproduce \(runs[0].id)`)") }
        return "**Evidence: \(strength)** — \(seeds), \(reproduced)."
            + (next.isEmpty ? "" : " To strengthen it, " + next.joined(separator: " and ") + ".")
    }

    /// Who reproduced the runs, where, and what they found: "3 reproductions by 2 signers on
    /// 3 hosts: all exact". A reproduction without a valid signature counts as unsigned: it
    /// says only what its own record says.
    static func reproduced(_ reproductions: [RunRecord], signatures: [String: SignatureCheck.Signatures]) -> String {
        let judged = reproductions.filter { $0.tier != nil }
        let signers = Set(judged.flatMap { signatures[$0.id]?.signers ?? [] }).count
        let unsigned = judged.filter { signatures[$0.id]?.signers.isEmpty ?? true }.count
        let hosts = Set(judged.map { (try? $0.manifest().host.name) ?? "?" }).count
        let counts = Dictionary(grouping: judged.compactMap(\.tier?.rawValue), by: { $0 }).sorted { $0.key < $1.key }
        let plural = { (count: Int, noun: String) in "\(count) \(noun)\(count == 1 ? "" : "s")" }
        let who =
            signers == 0
            ? (judged.count == 1 ? ", unsigned," : ", all unsigned,")
            : " by \(plural(signers, "signer"))" + (unsigned > 0 ? " (\(unsigned) unsigned)" : "")
        let found =
            counts.count == 1
            ? (judged.count == 1 ? counts[0].key : "all \(counts[0].key)") : counts.map { "\($0.value.count) \($0.key)" }.joined(separator: ", ")
        return "\(plural(judged.count, "reproduction"))\(who) on \(plural(hosts, "host")): \(found)"
    }

    /// At most this many metrics are charted.
    static let chartLimit = 6

    /// The chart of `metric` over each group of runs.
    static func chart(_ metric: String, _ groups: [(String, [RunRecord])]) -> ReportDocument.MetricChart {
        .init(
            metric: metric,
            groups: groups.compactMap { label, runs in
                let values = runs.compactMap { run in run.metrics[metric].map { (seed: run.seed, value: $0) } }
                return SeedStatistics(values.map(\.value)).map { .init(label: label, values: values, statistics: $0) }
            })
    }
}
