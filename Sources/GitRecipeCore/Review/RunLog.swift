import Foundation

/// `git recipe log`: one line per run on the commits of a range, newest first; the runs of
/// a sweep folded into one line with each metric's mean ± standard deviation.
public struct RunLog {
    /// One line: a single run, or the runs of one sweep on one commit.
    public struct Entry: Sendable {
        /// The commit the runs are attached to.
        public let commit: ObjectID
        /// The runs: one, or a sweep's seeds.
        public let runs: [RunRecord]
        /// For a sweep: how it compares with the next older sweep of its recipe in the listing.
        var comparison: Comparison?

        /// The entry's first run: what a sweep's runs share.
        var first: RunRecord { runs[0] }
        /// Whether the entry is a sweep of several seeds.
        var isSweep: Bool { runs.count > 1 }
    }

    /// A sweep's first key metric (its recipe's first `tolerance` metric, else the first by
    /// name) against the next older sweep of the recipe listed, with Welch's t.
    struct Comparison: Sendable {
        /// The sweep compared with.
        let baseline: String
        /// The metric compared.
        let metric: String
        /// The comparison.
        let result: MetricComparison

        /// The note on a log line.
        var note: String {
            let sign = result.difference > 0 ? "+" : ""
            return "(vs \(baseline): Δ\(metric) \(sign)\(SeedStatistics.format(result.difference)), \(result.summary))"
        }
    }

    /// The entries, newest commit first.
    public let entries: [Entry]
    /// Per recipe, the metrics its `tolerance` names: shown first, as what the recipe cares about.
    public let keyMetrics: [String: [String]]
    /// The commits listed that are snapshots (`run --snapshot`), marked as such.
    let snapshots: Set<ObjectID>

    /// Which runs `log` lists.
    public struct Filter: Sendable {
        /// Only runs of this recipe.
        public var recipe: String?
        /// Only runs with this status.
        public var status: String?
        /// One line per run, not per sweep.
        public var expand = false
        /// At most this many entries.
        public var limit: Int?

        /// A filter; every field optional.
        public init(recipe: String? = nil, status: String? = nil, expand: Bool = false, limit: Int? = nil) {
            self.recipe = recipe
            self.status = status
            self.expand = expand
            self.limit = limit
        }
    }

    /// The runs on `commits` (newest first), filtered; within a commit, newest run first.
    /// Those of `snapshots` are marked.
    public init(
        history: RunHistory, commits: [ObjectID], filter: Filter, keyMetrics: [String: [String]] = [:], snapshots: Set<ObjectID> = []
    ) throws {
        var entries: [Entry] = []
        var start = 0
        var size = 64
        reading: while start < commits.count {
            // Read in growing chunks, so that a limit stops the reading soon after it is
            // reached, and a whole history is read a few thousand notes at a time.
            let chunk = Array(commits[start..<min(start + size, commits.count)])
            start += chunk.count
            size = min(size * 4, 4096)
            for (commit, recorded) in zip(chunk, try history.runs(on: chunk)) {
                let runs = recorded.reversed().filter { run in
                    (filter.recipe.map { $0 == run.recipe } ?? true) && (filter.status.map { $0 == run.status } ?? true)
                }
                var folded: [String: Int] = [:]
                for run in runs {
                    if !filter.expand, let sweep = run.sweep, let position = folded[sweep] {
                        entries[position] = Entry(commit: commit, runs: [run] + entries[position].runs)
                        continue
                    }
                    if let limit = filter.limit, entries.count >= limit { break reading }
                    if let sweep = run.sweep { folded[sweep] = entries.count }
                    entries.append(Entry(commit: commit, runs: [run]))
                }
            }
        }
        entries = entries.map { $0.isSweep ? Entry(commit: $0.commit, runs: $0.runs.sortedBySeed()) : $0 }
        if !filter.expand { Self.compareSweeps(&entries, keyMetrics: keyMetrics) }
        self.entries = entries
        self.keyMetrics = keyMetrics
        self.snapshots = snapshots
    }

    /// Gives each sweep its comparison with the next older sweep of its recipe.
    private static func compareSweeps(_ entries: inout [Entry], keyMetrics: [String: [String]]) {
        var older: [String: (name: String, statistics: [String: SeedStatistics])] = [:]
        for index in entries.indices.reversed() where entries[index].isSweep {
            let recipe = entries[index].first.recipe
            let statistics = Dictionary(uniqueKeysWithValues: SeedStatistics.of(entries[index].runs).map { ($0.metric, $0.statistics) })
            if let baseline = older[recipe],
                let metric = statistics.keys.filter({ baseline.statistics[$0] != nil }).keyFirst(keyMetrics[recipe] ?? []).first
            {
                entries[index].comparison = Comparison(
                    baseline: baseline.name, metric: metric,
                    result: MetricComparison(baseline: baseline.statistics[metric]!, candidate: statistics[metric]!))
            }
            older[recipe] = (entries[index].first.sweep ?? "", statistics)
        }
    }

    /// The text columns, in order.
    private static let columns = ["commit", "run", "recipe", "status", "time", "metrics"]

    /// Aligned columns for a terminal.
    public func text() -> String {
        guard !entries.isEmpty else { return "" }
        let rows = entries.map { cells(for: $0, metricLimit: 4).map(Escaping.terminal) }
        let widths = (0..<Self.columns.count - 1).map { column in rows.map { $0[column].count }.max() ?? 0 }
        // One string appended to, not a string per cell and per line: ten thousand runs
        // make fifty thousand cells.
        var text = ""
        for row in rows {
            var line = ""
            for (cell, width) in zip(row.dropLast(), widths) {
                line += cell
                line += String(repeating: " ", count: width - cell.count + 2)
            }
            line += row[row.count - 1]
            while line.last == " " { line.removeLast() }
            text += line
            text += "\n"
        }
        return text
    }

    /// A GitHub-flavoured Markdown table.
    public func markdown() -> String {
        guard !entries.isEmpty else { return "_No runs recorded in this range._\n" }
        let header = "| " + Self.columns.joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: Self.columns.count) + "\n"
        return header
            + entries.map { entry in
                "| "
                    + cells(for: entry, metricLimit: nil).enumerated().map { index, cell in
                        index < 2 ? Escaping.code(cell) : Escaping.markdown(cell)
                    }.joined(separator: " | ") + " |"
            }.joined(separator: "\n") + "\n"
    }

    /// A JSON array, one object per line of the text form.
    public func json() -> String {
        ManifestValue.list(
            entries.map { entry in
                var fields: [ManifestValue.Entry] = [
                    .init("commit", .string(entry.commit.hex)),
                    .init("recipe", .string(entry.first.recipe)),
                ]
                if entry.isSweep {
                    fields += [
                        .init("sweep", .string(entry.first.sweep ?? "")),
                        .init(
                            "runs",
                            .list(
                                entry.runs.map { run in
                                    .map([
                                        .init("id", .string(run.id)), .init("seed", run.seed.map(ManifestValue.int) ?? .null),
                                        .init("status", .string(run.status)), .init("seconds", run.seconds.map(ManifestValue.int) ?? .null),
                                    ])
                                })),
                        .init("metrics", .map(SeedStatistics.of(entry.runs).map { .init($0.metric, $0.statistics.value) })),
                    ]
                    if let comparison = entry.comparison {
                        fields.append(
                            .init(
                                "comparison",
                                .map(
                                    [.init("baseline", .string(comparison.baseline)), .init("metric", .string(comparison.metric))]
                                        + RunDiff.fields(of: comparison.result))))
                    }
                } else {
                    let run = entry.first
                    fields += [
                        .init("id", .string(run.id)), .init("status", .string(run.status)), .init("journaled", .bool(run.journaled)),
                        .init("seed", run.seed.map(ManifestValue.int) ?? .null),
                        .init("seconds", run.seconds.map(ManifestValue.int) ?? .null),
                        .init("metrics", .map(run.metrics.byKey.map { .init($0.key, .float($0.value)) })),
                        .init("overrides", .map(run.overrides.byKey.map { .init($0.key, .string($0.value)) })),
                    ]
                    if let sweep = run.sweep { fields.append(.init("sweep", .string(sweep))) }
                    if let original = run.reproduces {
                        fields += [.init("reproduces", .string(original)), .init("verdict", run.verdict.map(ManifestValue.string) ?? .null)]
                    }
                }
                if let origin = entry.first.inheritedFrom { fields.append(.init("inherited_from", .string(origin))) }
                return .map(fields)
            }
        ).json() + "\n"
    }

    /// One entry's cells: commit, run, recipe, status, time, metrics.
    private func cells(for entry: Entry, metricLimit: Int?) -> [String] {
        let run = entry.first
        var metrics: [String]
        if entry.isSweep {
            let statistics = Dictionary(uniqueKeysWithValues: SeedStatistics.of(entry.runs).map { ($0.metric, $0.statistics) })
            metrics = statistics.keyFirst(keyMetrics[run.recipe] ?? []).map { "\($0.key)=\($0.value.summary)" }
        } else {
            metrics = run.metrics.keyFirst(keyMetrics[run.recipe] ?? []).map { "\($0.key)=\(SeedStatistics.format($0.value))" }
        }
        if let limit = metricLimit, metrics.count > limit {
            metrics = metrics.prefix(limit) + ["(+\(metrics.count - limit) more)"]
        }
        if !run.overrides.isEmpty {
            metrics.insert("(-p " + run.overrides.byKey.map { "\($0.key)=\($0.value)" }.joined(separator: " -p ") + ")", at: 0)
        }
        if let origin = run.inheritedFrom { metrics.append("(inherited from \(origin.prefix(12)))") }
        if let original = run.reproduces { metrics.append("(reproduces \(original): \(run.verdict ?? "no verdict"))") }
        if let grid = run.grid { metrics.append("(point of \(grid))") }
        if snapshots.contains(entry.commit) { metrics.append("(snapshot: git recipe promote \(run.id))") }
        if let comparison = entry.comparison { metrics.append(comparison.note) }
        let seconds = entry.runs.compactMap(\.seconds)
        return [
            String(entry.commit.hex.prefix(12)),
            entry.isSweep ? "\(run.sweep ?? "") (\(entry.runs.count) seeds)" : run.id,
            run.recipe,
            entry.isSweep ? Self.statuses(of: entry.runs) : run.status + (run.journaled ? " (journaled)" : ""),
            seconds.count == entry.runs.count ? Self.duration(seconds.reduce(0, +)) : "?",
            metrics.joined(separator: " "),
        ]
    }

    /// `3 succeeded, 1 failed`.
    static func statuses(of runs: [RunRecord]) -> String {
        Dictionary(grouping: runs, by: \.status).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
    }

    /// `42s`, `3m05s`, `2h07m`.
    static func duration(_ seconds: Int) -> String {
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(twoDigits(seconds % 60))s" }
        return "\(seconds / 3600)h\(twoDigits(seconds % 3600 / 60))m"
    }
}

extension SeedStatistics {
    /// The statistics as data: n, mean, std, min, max and the 95% interval.
    var value: ManifestValue {
        .map([
            .init("n", .int(count)), .init("mean", .float(mean)), .init("std", .float(standardDeviation)),
            .init("min", .float(minimum)), .init("max", .float(maximum)),
            .init("ci95", interval.map { .list([.float($0.lowerBound), .float($0.upperBound)]) } ?? .null),
        ])
    }
}

extension Sequence<String> {
    /// The metric names in `key` (the recipe's key metrics: those its `tolerance` names)
    /// first, in that order, then the rest by name.
    func keyFirst(_ key: [String]) -> [String] {
        let names = Array(self)
        return key.filter(names.contains) + names.filter { !key.contains($0) }.sorted()
    }
}

extension Dictionary where Key == String {
    /// The entries named in `key` first, in that order, then the rest by name.
    func keyFirst(_ key: [String]) -> [(key: String, value: Value)] {
        key.compactMap { name in self[name].map { (name, $0) } } + byKey.filter { !key.contains($0.key) }
    }
}
