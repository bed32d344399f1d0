import Foundation

/// `git recipe show`: the manifests of the selected runs, as recorded (YAML), as data (JSON)
/// or as a summary a reviewer can paste into a pull request (Markdown).
public struct RunShow {
    /// The runs to show.
    public let selection: RunSelection
    /// What each run's signatures say, by run id; a run missing here is not
    /// signed.
    public let signatures: [String: SignatureCheck.Signatures]

    /// Shows the runs of `selection`, with their checked `signatures`.
    public init(selection: RunSelection, signatures: [SignatureCheck.Signatures] = []) {
        self.selection = selection
        self.signatures = Dictionary(signatures.map { ($0.run, $0) }) { first, _ in first }
    }

    /// The documents as recorded, one YAML stream; a run carried here by a rebase says so.
    public func yaml() -> String {
        Escaping.terminal(
            selection.runs.map { run in
                (run.inheritedFrom.map { "# attached to \(run.attachedTo.hex); inherited from \($0), where it ran\n" } ?? "")
                    + (run.journaled ? "# journaled: in .git/recipes/journal, not yet in \(Repository.notesRef)\n" : "")
                    + (signatures[run.id]?.lines ?? []).map { "# \($0)\n" }.joined()
                    + "---\n" + run.document
            }.joined())
    }

    /// A JSON array of the manifests, each with `attached_to`: the commit whose note holds it.
    public func json() throws -> String {
        try ManifestValue.list(
            selection.runs.map { run in
                guard case .map(let entries) = try ManifestValue(yaml: run.document) else { return .null }
                let signed = signatures[run.id].map { signatures in
                    [
                        ManifestValue.Entry(
                            "signatures",
                            .map([
                                .init(
                                    "valid",
                                    .list(signatures.valid.map { .map([.init("signer", .string($0.principal)), .init("key", .string($0.key))]) })),
                                .init("problems", .list(signatures.problems.map(ManifestValue.string))),
                            ]))
                    ]
                }
                return .map(entries + [.init("attached_to", .string(run.attachedTo.hex))] + (signed ?? []))
            }
        ).json() + "\n"
    }

    /// A readable summary: the table of points when the runs form a grid, seed statistics
    /// when they form sweeps, then each run.
    public func markdown() throws -> String {
        var text = GridTable(selection.runs)?.markdown ?? ""
        for (sweep, runs) in sweeps() {
            text +=
                "### Sweep \(Escaping.code(sweep)) — \(Escaping.code(runs[0].recipe)), \(runs.count) seeds (\(runs.compactMap(\.seed).map(String.init).joined(separator: ", ")))\n\n"
            text += "| metric | n | mean | std | min | max | 95% CI |\n|---|---|---|---|---|---|---|\n"
            for (metric, statistics) in SeedStatistics.of(runs) {
                text +=
                    "| \(Escaping.markdown(metric)) | \(statistics.count) | \(SeedStatistics.format(statistics.mean)) | \(SeedStatistics.format(statistics.standardDeviation)) | "
                    + "\(SeedStatistics.format(statistics.minimum)) | \(SeedStatistics.format(statistics.maximum)) | \(statistics.intervalText) |\n"
            }
            text += "\n"
        }
        for run in selection.runs { text += try Self.markdown(run, signatures: signatures[run.id]) }
        return text
    }

    /// The sweeps among the runs, with their runs by seed.
    private func sweeps() -> [(String, [RunRecord])] {
        let grouped = Dictionary(grouping: selection.runs.compactMap { run in run.sweep.map { (sweep: $0, run: run) } }, by: \.sweep)
            .mapValues { $0.map(\.run) }
        return grouped.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value.sortedBySeed()) }
    }

    /// One run as a Markdown summary, with who signed it.
    static func markdown(_ run: RunRecord, signatures: SignatureCheck.Signatures?) throws -> String {
        let manifest = try run.manifest()
        // Everything below comes from the note: each value is escaped for where it stands.
        var commit = Escaping.code(String(run.attachedTo.hex.prefix(12)))
        if let origin = run.inheritedFrom { commit += " — inherited from \(Escaping.code(String(origin.prefix(12)))), where it ran" }
        let machine = manifest.host
        let host =
            [machine.name, machine.os, machine.arch, machine.cpu].compactMap(\.present)
            .joined(separator: " · ") + (machine.cores > 0 ? " · \(machine.cores) cores" : "")
        let text = { (value: String?) in value.map(Escaping.markdown) ?? "—" }
        var rows: [(String, String)] = [
            ("commit", commit), ("lock", Escaping.code(run.lock)), ("seed", run.seed.map(String.init) ?? "—"),
            ("params", manifest.section(.params).inlinePairs), ("overrides", manifest.section(.overrides).inlinePairs),
            ("duration", run.seconds.map { "\(RunLog.duration($0)) from \(Escaping.markdown(run.started))" } ?? "—"),
            ("executor", text(manifest.executor.kind.present)), ("host", host.isEmpty ? "—" : Escaping.markdown(host)),
            ("environment", manifest.section(.environment).inlinePairs),
        ]
        if let sweep = run.sweep { rows.append(("sweep", Escaping.code(sweep))) }
        if let reproduced = run.reproduces { rows.append(("reproduces", "\(Escaping.code(reproduced)) — \(text(run.verdict ?? "no verdict"))")) }
        if let signatures { rows.append(("signatures", signatures.lines.map(Escaping.markdown).joined(separator: "<br>"))) }
        var document = "#### \(Escaping.code(run.recipe)) — run \(Escaping.code(run.id)) — \(Escaping.markdown(run.status))\n\n| | |\n|---|---|\n"
        document += rows.map { "| \($0.0) | \($0.1) |\n" }.joined() + "\n"
        document += table("metric", "value", run.metrics.byKey.map { (Escaping.markdown($0.key), SeedStatistics.format($0.value)) })
        document += table("output", "digest", manifest.outputDigests.map { (Escaping.markdown($0.path), Escaping.code($0.digest)) })
        document += table(
            "input", "digest",
            manifest.section(.inputs).leaves.filter { !$0.path.isEmpty }
                .map { (Escaping.markdown($0.path), Escaping.code($0.value.text)) })
        if !manifest.steps.isEmpty {
            document += "| step | exit | seconds | CPU seconds | peak memory | ran in |\n|---|---|---|---|---|---|\n"
            document +=
                manifest.steps.map { step in
                    "| \(text(step.name.present)) | \(text(step.exit.map(String.init))) | \(text(step.seconds.map(CanonicalYAML.canonical))) "
                        + "| \(text(step.usage.map { CanonicalYAML.canonical($0.cpuSeconds) })) "
                        + "| \(text(step.usage.map { ByteCount.text(Int64($0.peakMemory)) })) | \(place(of: step)) |\n"
                }.joined() + "\n"
        }
        document += table(
            "tracker run", "step",
            manifest.steps.flatMap { step in
                step.trackers.map { tracked in
                    let place = [tracked.experiment.map { "experiment \($0)" }, tracked.location].compactMap { $0 }.joined(separator: ", ")
                    return (
                        "\(Escaping.markdown(tracked.tool)) \(Escaping.code(tracked.run))\(place.isEmpty ? "" : " (\(Escaping.markdown(place)))")",
                        Escaping.markdown(step.name)
                    )
                }
            })
        return document
    }

    /// Where a step ran, escaped: `image NAME@sha256:… (id, engine)`, `sandbox (bubblewrap …)`,
    /// each saying whether it had the network; `host` otherwise.
    private static func place(of step: RunManifest.Step) -> String {
        guard let isolation = step.isolation else { return step.command == nil ? "—" : "host" }
        let network = isolation.network ? "network on" : "no network"
        guard let image = isolation.image else { return "sandbox (\(Escaping.markdown(isolation.engine)), \(network))" }
        let id = isolation.imageID.map { "id \(Escaping.code(String($0.prefix(19)))), " } ?? ""
        return "image \(Escaping.code(image)) (\(id)\(Escaping.markdown(isolation.engine)), \(network))"
    }

    /// A two-column table of cells already escaped.
    private static func table(_ key: String, _ value: String, _ rows: [(String, String)]) -> String {
        guard !rows.isEmpty else { return "" }
        return "| \(key) | \(value) |\n|---|---|\n" + rows.map { "| \($0.0) | \($0.1) |\n" }.joined() + "\n"
    }
}

extension ManifestValue {
    /// `key=value` code spans of a mapping's leaves, for a Markdown cell; `—` for none.
    var inlinePairs: String {
        let pairs = leaves.filter { !$0.path.isEmpty }.map { Escaping.code("\($0.path)=\($0.value.text)") }
        return pairs.isEmpty ? "—" : pairs.joined(separator: " ")
    }
}

extension String {
    /// The text, or `nil` when empty: a field a manifest did not record.
    var present: String? { isEmpty ? nil : self }
}

extension SeedStatistics {
    /// `[low, high]` for a table, or `—` for a single run.
    var intervalText: String {
        interval.map { "[\(Self.format($0.lowerBound)), \(Self.format($0.upperBound))]" } ?? "—"
    }
}
