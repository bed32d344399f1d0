import Foundation

/// A grid's points side by side: each point's params, seeds, and each metric's
/// mean with its 95% interval; and the best point by the key metric, always with its
/// interval and whether that interval clears the runner-up's — a grid's best mean alone is
/// the most over-read number in a paper.
public struct GridTable {
    /// One point: its sweep and runs.
    struct Point {
        /// The point's sweep id.
        let sweep: String
        /// Its runs, by seed.
        let runs: [RunRecord]
        /// Its params on the grid, as `-p` would set them: `lr=0.1 batch=32`.
        let label: String
        /// Each metric's statistics over the point's seeds.
        let statistics: [String: SeedStatistics]
    }

    /// The grid's id.
    public let grid: String
    /// The points, in the order the grid ran them.
    let points: [Point]
    /// The metric points are ranked by: the recipe's first key metric, else the first by name.
    let metric: String?
    /// Whether a lower value of `metric` is better: its name says loss, error or time.
    let lowerIsBetter: Bool

    /// The table of the grid `runs` belong to; `nil` when they are not one grid's.
    /// `keyMetrics` are the recipe's (its `tolerance` names).
    public init?(_ runs: [RunRecord], keyMetrics: [String] = []) {
        guard let grid = runs.first?.grid, runs.allSatisfy({ $0.grid == grid }) else { return nil }
        self.grid = grid
        var order: [String] = []
        let bySweep = Dictionary(grouping: runs) { run in run.sweep ?? run.id }
        for run in runs.sorted(by: { $0.id < $1.id }) where !order.contains(run.sweep ?? run.id) { order.append(run.sweep ?? run.id) }
        points = order.map { sweep in
            let runs = bySweep[sweep, default: []].sortedBySeed()
            return Point(
                sweep: sweep, runs: runs, label: runs[0].overrides.byKey.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                statistics: Dictionary(SeedStatistics.of(runs).map { ($0.metric, $0.statistics) }) { first, _ in first })
        }
        let names = Set(points.flatMap(\.statistics.keys))
        metric = keyMetrics.first(where: names.contains) ?? names.sorted().first
        lowerIsBetter = metric.map(Self.lowerIsBetter) ?? false
    }

    /// Whether a metric named `name` is one to make small.
    static func lowerIsBetter(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["loss", "error", "err", "mse", "mae", "rmse", "perplexity", "seconds", "time", "latency"].contains { lowered.contains($0) }
    }

    /// The points ranked best first by `metric` (points without it last).
    var ranked: [Point] {
        guard let metric else { return points }
        return points.sorted { left, right in
            switch (left.statistics[metric]?.mean, right.statistics[metric]?.mean) {
            case (let l?, let r?): lowerIsBetter ? l < r : l > r
            case (.some, nil): true
            default: false
            }
        }
    }

    /// The best point with its interval, and whether that interval clears the runner-up's.
    public var verdict: String {
        guard let metric, let best = ranked.first, let statistics = best.statistics[metric] else {
            return "No metric is recorded by every seed of a point: no point can be called best."
        }
        let rule = lowerIsBetter ? "lower is better: its name says loss, error or time" : "higher is better"
        var text = "Best by `\(metric)` (\(rule)): `\(best.label)`, mean \(SeedStatistics.format(statistics.mean)) "
        text += statistics.interval.map { _ in "with 95% interval \(statistics.intervalText)" } ?? "from one seed: no interval"
        guard ranked.count > 1, let second = ranked[1].statistics[metric] else { return text + "." }
        let runnerUp = "`\(ranked[1].label)` (\(SeedStatistics.format(second.mean))\(second.interval.map { _ in " \(second.intervalText)" } ?? ""))"
        guard let mine = statistics.interval, let theirs = second.interval else {
            return text + "; next is \(runnerUp). With one seed a point has no interval: run --seeds 0..4 to tell them apart."
        }
        return text
            + (mine.overlaps(theirs)
                ? "; its interval overlaps the runner-up's, \(runnerUp): the grid does not single it out."
                : "; its interval clears the runner-up's, \(runnerUp).")
    }

    /// The columns: point, sweep, seeds, then each metric's mean and interval, the ranking
    /// metric first.
    var header: [String] {
        ["point", "sweep", "n"] + metricNames.map { "\($0) mean [95% CI]" }
    }

    /// A row per point, in the order the grid ran them, the best marked; cells in Markdown.
    var rows: [[String]] {
        let best = metric == nil ? nil : ranked.first?.sweep
        return points.map { point in
            [
                Escaping.code(point.label.isEmpty ? "(defaults)" : point.label) + (point.sweep == best ? " **best**" : ""),
                Escaping.code(point.sweep), String(point.runs.count),
            ]
                + metricNames.map { name in point.statistics[name].map { "\(SeedStatistics.format($0.mean)) \($0.intervalText)" } ?? "—" }
        }
    }

    /// Every metric a point has, the ranking metric first.
    private var metricNames: [String] { Set(points.flatMap(\.statistics.keys)).sorted().keyFirst(metric.map { [$0] } ?? []) }

    /// What the grid is: points and seeds.
    private var heading: String { "Grid \(Escaping.code(grid)): \(points.count) points × \(points.map(\.runs.count).max() ?? 0) seeds" }

    /// The table as Markdown: a row per point, the best marked, then the verdict.
    public var markdown: String {
        var text = "### \(heading)\n\n| " + header.map(Escaping.markdown).joined(separator: " | ") + " |\n|"
        text += String(repeating: "---|", count: header.count) + "\n"
        text += rows.map { "| " + $0.joined(separator: " | ") + " |\n" }.joined()
        return text + "\n" + verdict + "\n\n"
    }

    /// The table as a report section.
    var section: ReportDocument.Section {
        .init(title: "Grid", blocks: [.paragraph(heading + "."), .table(header: header, rows: rows), .paragraph(verdict)])
    }

    /// The runs of the best point: what a report on the grid reports on.
    var bestRuns: [RunRecord] { ranked.first?.runs ?? points[0].runs }
}
