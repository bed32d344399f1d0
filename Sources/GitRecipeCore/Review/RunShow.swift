import Foundation

/// `git recipe show`: the manifests of the selected runs, as recorded (YAML), as data (JSON)
/// or as a summary a reviewer can paste into a pull request (Markdown).
public struct RunShow {
    public let selection: RunSelection

    public init(selection: RunSelection) {
        self.selection = selection
    }

    /// The documents as recorded, one YAML stream; a run carried here by a rebase says so.
    public func yaml() -> String {
        Escaping.terminal(selection.runs.map { run in
            (run.inheritedFrom.map { "# attached to \(run.attachedTo.hex); inherited from \($0), where it ran\n" } ?? "")
                + (run.journaled ? "# journaled: in .git/recipes/journal, not yet in \(Repository.notesRef)\n" : "")
                + "---\n" + run.document
        }.joined())
    }

    /// A JSON array of the manifests, each with `attached_to`: the commit whose note holds it.
    public func json() throws -> String {
        try ManifestValue.list(selection.runs.map { run in
            guard case .map(let entries) = try run.manifest() else { return .null }
            return .map(entries + [.init("attached_to", .string(run.attachedTo.hex))])
        }).json() + "\n"
    }

    /// A readable summary: seed statistics first when the runs form a sweep, then each run.
    public func markdown() throws -> String {
        var text = ""
        for (sweep, runs) in sweeps() {
            text += "### Sweep \(Escaping.code(sweep)) — \(Escaping.code(runs[0].recipe)), \(runs.count) seeds (\(runs.compactMap(\.seed).map(String.init).joined(separator: ", ")))\n\n"
            text += "| metric | n | mean | std | min | max | 95% CI |\n|---|---|---|---|---|---|---|\n"
            for (metric, statistics) in SeedStatistics.of(runs) {
                text += "| \(Escaping.markdown(metric)) | \(statistics.count) | \(SeedStatistics.format(statistics.mean)) | \(SeedStatistics.format(statistics.standardDeviation)) | "
                    + "\(SeedStatistics.format(statistics.minimum)) | \(SeedStatistics.format(statistics.maximum)) | \(statistics.intervalText) |\n"
            }
            text += "\n"
        }
        for run in selection.runs { text += try Self.markdown(run) }
        return text
    }

    private func sweeps() -> [(String, [RunRecord])] {
        let grouped = Dictionary(grouping: selection.runs.filter { $0.sweep != nil }, by: { $0.sweep! })
        return grouped.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value.sortedBySeed()) }
    }

    static func markdown(_ run: RunRecord) throws -> String {
        let manifest = try run.manifest()
        func leaves(_ key: String) -> [(path: String, value: ManifestValue)] {
            (manifest[key]?.leaves ?? []).filter { !$0.path.isEmpty }
        }
        func inline(_ key: String) -> String { manifest[key]?.inlinePairs ?? "—" }
        // Everything below comes from the note: each value is escaped for where it stands.
        var commit = Escaping.code(String(run.attachedTo.hex.prefix(12)))
        if let origin = run.inheritedFrom { commit += " — inherited from \(Escaping.code(String(origin.prefix(12)))), where it ran" }
        let host = ["name", "os", "arch", "cpu"].compactMap { manifest["host"]?[$0]?.text }
            .joined(separator: " · ") + (manifest["host"]?["cores"].map { " · \($0.text) cores" } ?? "")
        let text = { (value: String?) in value.map(Escaping.markdown) ?? "—" }
        var rows: [(String, String)] = [
            ("commit", commit), ("lock", Escaping.code(run.lock)), ("seed", run.seed.map(String.init) ?? "—"),
            ("params", inline("params")), ("overrides", inline("overrides")),
            ("duration", run.seconds.map { "\(RunLog.duration($0)) from \(Escaping.markdown(run.started))" } ?? "—"),
            ("executor", text(manifest["executor"]?["kind"]?.text)), ("host", host.isEmpty ? "—" : Escaping.markdown(host)),
            ("environment", inline("environment")),
        ]
        if let sweep = run.sweep { rows.append(("sweep", Escaping.code(sweep))) }
        if let reproduced = run.reproduces { rows.append(("reproduces", "\(Escaping.code(reproduced)) — \(text(run.verdict ?? "no verdict"))")) }
        var document = "#### \(Escaping.code(run.recipe)) — run \(Escaping.code(run.id)) — \(Escaping.markdown(run.status))\n\n| | |\n|---|---|\n"
        document += rows.map { "| \($0.0) | \($0.1) |\n" }.joined() + "\n"
        document += table("metric", "value", run.metrics.keys.sorted().map { (Escaping.markdown($0), SeedStatistics.format(run.metrics[$0]!)) })
        document += table("output", "digest", manifest.outputDigests.map { (Escaping.markdown($0.path), Escaping.code($0.digest)) })
        document += table("input", "digest", leaves("inputs").map { (Escaping.markdown($0.path), Escaping.code($0.value.text)) })
        if case .list(let steps)? = manifest["steps"], !steps.isEmpty {
            document += "| step | exit | seconds |\n|---|---|---|\n"
            document += steps.map { "| \(text($0["name"]?.text)) | \(text($0["exit"]?.text)) | \(text($0["seconds"]?.text)) |\n" }.joined() + "\n"
        }
        return document
    }

    /// A two-column table of cells already escaped.
    private static func table(_ key: String, _ value: String, _ rows: [(String, String)]) -> String {
        guard !rows.isEmpty else { return "" }
        return "| \(key) | \(value) |\n|---|---|\n" + rows.map { "| \($0.0) | \($0.1) |\n" }.joined() + "\n"
    }
}

extension ManifestValue {
    /// A mapping's entries; none for anything else.
    var entries: [Entry] {
        if case .map(let entries) = self { return entries }
        return []
    }

    /// A manifest's `outputs` as path and digest, in recorded order.
    var outputDigests: [(path: String, digest: String)] {
        (self["outputs"]?.entries ?? []).map { ($0.key, $0.value["digest"]?.text ?? "?") }
    }

    /// The outputs' digests, and each file of a directory output as `DIR/FILE` (directory
    /// outputs end in `/`): what a comparison of two runs compares, naming the files that differ.
    var outputAndFileDigests: [(path: String, digest: String)] {
        outputDigests + (self["outputs"]?.entries ?? []).flatMap { output in
            (output.value["files"]?.entries ?? []).map { (output.key + $0.key, $0.value["digest"]?.text ?? "?") }
        }
    }

    /// `key=value` code spans of a mapping's leaves, for a Markdown cell; `—` for none.
    var inlinePairs: String {
        let pairs = leaves.filter { !$0.path.isEmpty }.map { Escaping.code("\($0.path)=\($0.value.text)") }
        return pairs.isEmpty ? "—" : pairs.joined(separator: " ")
    }
}

extension SeedStatistics {
    /// `[low, high]` for a table, or `—` for a single run.
    var intervalText: String {
        interval.map { "[\(Self.format($0.lowerBound)), \(Self.format($0.upperBound))]" } ?? "—"
    }
}
