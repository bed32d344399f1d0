import Foundation

/// `git recipe diff A B`: what differs between two runs (or sweeps), side by side — params,
/// seed, inputs, environment, host, outputs and metrics, with metric deltas. Two revisions
/// are compared recipe by recipe, each side's sweep of that recipe with the most seeds (ties:
/// the latest), so a baseline is never a lone run when a sweep exists. Metrics are compared
/// with Welch's t (`MetricComparison`).
public struct RunDiff {
    /// One compared pair: a run or sweep of A against one of B.
    struct Pair: Sendable {
        /// The recipe both sides ran.
        public let recipe: String
        /// The runs on side A.
        public let a: [RunRecord]
        /// The runs on side B.
        public let b: [RunRecord]
        /// The differing keys, by section.
        let rows: [Row]
    }

    /// One key that differs.
    struct Row: Sendable {
        /// Its section: run, params, inputs, environment, host, outputs, metrics.
        let section: String
        /// The key, dotted below its section.
        public let key: String
        /// The value on side A, or `—`.
        public let a: String
        /// The value on side B, or `—`.
        public let b: String
        /// For metrics: B − A (of the means, for sweeps).
        let delta: Double?
        /// For metrics: the delta relative to |A|.
        public let relative: Double?
        /// For metrics both sides report: the statistics of the difference.
        let comparison: MetricComparison?

        /// Metrics differ when their means do; everything else when its text does.
        var differs: Bool { delta.map { $0 != 0 } ?? (a != b) }
    }

    /// The compared groups, one pair per recipe.
    let pairs: [Pair]
    /// Recipes with runs on one side only.
    let onlyInA: [String]
    /// Recipes only side B ran.
    let onlyInB: [String]

    /// The sections, in the order rows are shown.
    static let sections = ["run", "params", "inputs", "environment", "host", "outputs", "metrics"]

    /// Compares, for each recipe both selections hold, the run or sweep with the most seeds
    /// (every key with `all`).
    public init(_ a: RunSelection, _ b: RunSelection, all: Bool) throws {
        if let groupA = a.group, let groupB = b.group {
            pairs = [try Self.compare(groupA, groupB, all: all)]
            onlyInA = []
            onlyInB = []
            return
        }
        var pairs: [Pair] = []
        for recipe in Set(a.recipes).intersection(b.recipes).sorted() {
            if let groupA = a.largestGroup(of: recipe), let groupB = b.largestGroup(of: recipe) {
                pairs.append(try Self.compare(groupA, groupB, all: all))
            }
        }
        self.pairs = pairs
        onlyInA = a.recipes.filter { !b.recipes.contains($0) }
        onlyInB = b.recipes.filter { !a.recipes.contains($0) }
    }

    /// Compares two groups of runs of one recipe.
    static func compare(_ a: [RunRecord], _ b: [RunRecord], all: Bool) throws -> Pair {
        let left = try facts(of: a)
        let right = try facts(of: b)
        var rows: [Row] = []
        for section in sections where section != "metrics" {
            let keys = Self.union(left[section] ?? [], right[section] ?? [])
            for key in keys {
                let valueA = left[section]?.first { $0.0 == key }?.1 ?? "—"
                let valueB = right[section]?.first { $0.0 == key }?.1 ?? "—"
                if all || valueA != valueB {
                    rows.append(Row(section: section, key: key, a: valueA, b: valueB, delta: nil, relative: nil, comparison: nil))
                }
            }
        }
        let statisticsA = Dictionary(uniqueKeysWithValues: SeedStatistics.of(a).map { ($0.metric, $0.statistics) })
        let statisticsB = Dictionary(uniqueKeysWithValues: SeedStatistics.of(b).map { ($0.metric, $0.statistics) })
        for metric in Set(statisticsA.keys).union(statisticsB.keys).sorted() {
            let one = statisticsA[metric]
            let other = statisticsB[metric]
            let comparison = one.flatMap { one in other.map { MetricComparison(baseline: one, candidate: $0) } }
            let relative = comparison.flatMap { $0.baseline.mean == 0 || !$0.difference.isFinite ? nil : $0.difference / abs($0.baseline.mean) }
            let row = Row(
                section: "metrics", key: metric, a: one?.summary ?? "—", b: other?.summary ?? "—",
                delta: comparison?.difference, relative: relative, comparison: comparison)
            if all || row.differs { rows.append(row) }
        }
        return Pair(recipe: a[0].recipe == b[0].recipe ? a[0].recipe : "\(a[0].recipe) / \(b[0].recipe)", a: a, b: b, rows: rows)
    }

    /// Keys in first-seen order over both sides.
    private static func union(_ a: [(String, String)], _ b: [(String, String)]) -> [String] {
        var seen: Set<String> = []
        return (a + b).map(\.0).filter { seen.insert($0).inserted }
    }

    /// Each section's leaves as text, from the group's first run (a sweep's runs share
    /// everything but the seed, which is listed whole).
    private static func facts(of runs: [RunRecord]) throws -> [String: [(String, String)]] {
        let first = runs[0]
        let manifest = try first.manifest()
        func leaves(_ section: RunManifest.Section, _ key: String) -> [(String, String)] {
            manifest.section(section).leaves.map { ($0.path.isEmpty ? key : $0.path, $0.value.text) }
        }
        let sections: [String: [(String, String)]] = [
            "run": [
                ("recipe", first.recipe), ("status", runs.count > 1 ? RunLog.statuses(of: runs) : first.status),
                ("executor", manifest.executor.kind.present ?? "—"),
                ("seed", runs.compactMap(\.seed).map(String.init).joined(separator: ", ")), ("lock", first.lock),
            ],
            "params": leaves(.params, "params"),
            "inputs": leaves(.inputs, "inputs") + manifest.assets.byKeyBytes.map { ("asset \($0.key)", $0.value.digest) },
            "environment": leaves(.environment, "environment"),
            "host": leaves(.host, "host"),
            "outputs": manifest.outputAndFileDigests,
        ]
        // Digests are told apart by their first hex digits; the full ones are in `show`.
        return sections.mapValues { $0.map { ($0.0, ContentDigest($0.1)?.short ?? $0.1) } }
    }

    // MARK: Rendering

    /// Aligned text for a terminal.
    public func text() -> String {
        var text = ""
        for pair in pairs {
            text += "A  \(Self.label(pair.a))\nB  \(Self.label(pair.b))\n"
            if pair.rows.isEmpty { text += "no differences\n" }
            let keyWidth = pair.rows.map(\.key.count).max() ?? 0
            let aWidth = pair.rows.map(\.a.count).max() ?? 0
            let bWidth = pair.rows.map(\.b.count).max() ?? 0
            for section in Self.sections {
                let rows = pair.rows.filter { $0.section == section }
                guard !rows.isEmpty else { continue }
                text += "\n\(section)\n"
                for row in rows {
                    var line = "  " + [row.key.padded(to: keyWidth), row.a.padded(to: aWidth), row.b.padded(to: bWidth)].joined(separator: "  ")
                    if let change = Self.change(row) { line += "  " + change }
                    while line.last == " " { line.removeLast() }
                    text += line + "\n"
                }
            }
            text += "\n"
        }
        text += onlySide()
        return Escaping.terminal(text)
    }

    /// One compact table per pair, for a pull-request comment.
    public func markdown() -> String {
        var text = ""
        for pair in pairs {
            text += "#### \(Escaping.code(pair.recipe)): \(Self.label(pair.a, markdown: true)) → \(Self.label(pair.b, markdown: true))\n\n"
            guard !pair.rows.isEmpty else {
                text += "No differences.\n\n"
                continue
            }
            text += "| | | A | B | change |\n|---|---|---|---|---|\n"
            for row in pair.rows {
                let cells = [row.section, row.key, row.a, row.b, Self.change(row) ?? ""].map(Escaping.markdown)
                text += "| " + cells.joined(separator: " | ") + " |\n"
            }
            text += "\n"
        }
        text += onlySide()
        return text
    }

    /// The pairs as data, with numbers for the metric deltas.
    public func json() -> String {
        func side(_ runs: [RunRecord]) -> ManifestValue {
            .map([.init("commit", .string(runs[0].attachedTo.hex)), .init("runs", .list(runs.map { .string($0.id) }))])
        }
        return ManifestValue.map([
            .init(
                "pairs",
                .list(
                    pairs.map { pair in
                        .map([
                            .init("recipe", .string(pair.recipe)), .init("a", side(pair.a)), .init("b", side(pair.b)),
                            .init(
                                "rows",
                                .list(
                                    pair.rows.map { row in
                                        var fields: [ManifestValue.Entry] = [
                                            .init("section", .string(row.section)), .init("key", .string(row.key)),
                                            .init("a", .string(row.a)), .init("b", .string(row.b)),
                                        ]
                                        if let delta = row.delta { fields.append(.init("delta", .float(delta))) }
                                        if let relative = row.relative { fields.append(.init("relative", .float(relative))) }
                                        if let comparison = row.comparison { fields += Self.fields(of: comparison) }
                                        return .map(fields)
                                    })),
                        ])
                    })),
            .init("only_in_a", .list(onlyInA.map(ManifestValue.string))),
            .init("only_in_b", .list(onlyInB.map(ManifestValue.string))),
        ]).json() + "\n"
    }

    /// A comparison's test as JSON fields: the interval, p and d, or why there is none.
    static func fields(of comparison: MetricComparison) -> [ManifestValue.Entry] {
        switch comparison.test {
        case .success(let welch):
            [
                .init("ci95", .list([.float(welch.interval.lowerBound), .float(welch.interval.upperBound)])), .init("p", .float(welch.p)),
                .init("cohens_d", .float(welch.cohensD)), .init("welch_df", .float(welch.degreesOfFreedom)),
                .init("significant", .bool(comparison.significant)),
            ]
        case .failure: [.init("test", .string(comparison.summary)), .init("significant", .bool(false))]
        }
    }

    /// The recipes only one side ran, one line per side.
    private func onlySide() -> String {
        (onlyInA.isEmpty ? "" : "only in A: \(onlyInA.joined(separator: ", "))\n")
            + (onlyInB.isEmpty ? "" : "only in B: \(onlyInB.joined(separator: ", "))\n")
    }

    /// `+0.012 (+1.25%); 95% CI [0.004, 0.02], p = 0.01, d = 2.1`, or the change and why
    /// it was not tested.
    static func change(_ row: Row) -> String? {
        guard let delta = row.delta, let comparison = row.comparison else { return nil }
        guard delta != 0 || comparison.baseline.count > 1 || comparison.candidate.count > 1 else { return nil }
        var text = (delta >= 0 ? "+" : "") + SeedStatistics.format(delta)
        if let relative = row.relative {
            text += String(format: " (%@%.2f%%)", relative >= 0 ? "+" : "", relative * 100)
        }
        return text + "; " + comparison.summary
    }

    /// `train run 2026…-7f3a2c11 on 3f2a1b9c0d1e`, or the sweep with its run count.
    static func label(_ runs: [RunRecord], markdown: Bool = false) -> String {
        let first = runs[0]
        let quote = { (text: String) in markdown ? Escaping.code(text) : text }
        let name = runs.count > 1 ? "sweep \(quote(first.sweep ?? "?")) (\(runs.count) seeds)" : "run \(quote(first.id))"
        let inherited = first.inheritedFrom.map { ", inherited from \(quote(String($0.prefix(12))))" } ?? ""
        return "\(markdown ? "" : first.recipe + " ")\(name) on \(quote(String(first.attachedTo.hex.prefix(12))))\(inherited)"
    }
}

extension RunSelection {
    /// The runs as one comparable group: a single run, or the runs of one sweep.
    var group: [RunRecord]? {
        guard let first = runs.first, runs.allSatisfy({ $0.recipe == first.recipe }) else { return nil }
        if runs.count == 1 { return runs }
        guard let sweep = first.sweep, runs.allSatisfy({ $0.sweep == sweep }) else { return nil }
        return runs
    }
}

extension String {
    /// The string with spaces after it up to `width` characters.
    func padded(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
