import Crypto
import Foundation

/// A ``Dashboard`` as a static site: `index.html`, one page per recipe under `recipes/`, and
/// the plot images under `plots/`, named by their digest. Pages are well-formed XHTML with
/// inline CSS and SVG, no script and nothing fetched, so they open from `file://`. Every
/// text from a note is escaped; a plot image is shown with `<img>`, where an SVG's scripts
/// do not run; file names come from digests or checked recipe names, never from a note.
public struct DashboardSite: Sendable {
    /// The dashboard rendered.
    let dashboard: Dashboard
    /// Where plot files are read from.
    let store: ObjectStore

    /// How many runs' plots a recipe page shows, newest first.
    static let plottedRuns = 50
    /// The largest plot file read, in bytes.
    static let plotLimit = 16 << 20

    /// A site for `dashboard`, with plots read from `store`.
    public init(_ dashboard: Dashboard, store: ObjectStore) {
        self.dashboard = dashboard
        self.store = store
    }

    /// Every file of the site, by its path below the site's directory.
    public func files() -> [(path: String, contents: Data)] {
        // Each recipe's page and its images, rendered on every core.
        let pages = concurrentMap(
            dashboard.pages.count, workers: ProcessInfo.processInfo.activeProcessorCount, state: {},
            transform: { [self] _, index in
                let page = dashboard.pages[index]
                var images: [String: Data] = [:]
                let html = Data(recipePage(page, images: &images).utf8)
                return [("recipes/\(Self.fileName(of: page.recipe))", html)] + images.sorted { $0.key < $1.key }.map { ("plots/\($0.key)", $0.value) }
            })
        return [("index.html", Data(index().utf8))] + pages.flatMap { $0 }
    }

    /// The recipe's page name: the name itself when it is a plain identifier, else a digest
    /// of it, so a note cannot choose where a page is written.
    static func fileName(of recipe: String) -> String {
        let plain =
            recipe.count <= 64 && !recipe.isEmpty
            && recipe.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
        return (plain ? recipe : "recipe-" + ContentDigest(SHA256.hash(data: Data(recipe.utf8))).hex.prefix(16)) + ".html"
    }

    // MARK: Pages

    /// The overview: one row per recipe.
    private func index() -> String {
        var rows = ""
        for page in dashboard.pages {
            let latest = page.points.last
            let metric = page.metrics.first
            let summary = latest.flatMap { point in metric.flatMap { point.statistics[$0] }.map { (point, $0) } }.map { point, statistics in
                "\(metric!) \(Self.interval(statistics)) (\(point.seeds) seed\(point.seeds == 1 ? "" : "s"), \(point.commit.hex.prefix(8)))"
            }
            rows +=
                "<tr><td><a href=\"recipes/\(Self.fileName(of: page.recipe))\">\(escaped(page.recipe))</a></td><td>\(page.counts.runs)</td>"
                + "<td>\(page.commits)</td>"
                + "<td>\(Dashboard.Counts.rate(page.counts.failed, of: page.counts.runs))</td>"
                + "<td>\(Dashboard.Counts.rate(page.counts.diverged, of: page.counts.reproductions))</td>"
                + "<td>\(escaped(summary ?? "—"))</td></tr>\n"
        }
        let body = """
            <h1>Runs of \(code(dashboard.range))</h1>
            <p class="evidence">\(dashboard.pages.map(\.counts.runs).reduce(0, +)) runs of \(dashboard.pages.count) recipe\(dashboard.pages.count == 1 ? "" : "s") on the \(dashboard.commits) commits of \(code(dashboard.range)).</p>
            <table id="recipes">
            <thead><tr><th>recipe</th><th>runs</th><th>commits with runs</th><th>failure rate</th><th>diverged reproductions</th><th>latest</th></tr></thead>
            <tbody>
            \(rows)</tbody>
            </table>

            """
        return ReportDocument.page(title: "Runs of \(dashboard.range)", body: body, style: Self.style)
    }

    /// A recipe's page: its counts, each metric over the commits, its runs, their plots.
    private func recipePage(_ page: Dashboard.Page, images: inout [String: Data]) -> String {
        let counts = page.counts
        var body = """
            <p class="nav"><a href="../index.html">All recipes</a></p>
            <h1>Recipe \(code(page.recipe))</h1>
            <p class="evidence">\(counts.runs) runs on \(page.commits) commits of \(code(dashboard.range)); \
            failure rate \(Dashboard.Counts.rate(counts.failed, of: counts.runs))\(counts.cancelled > 0 ? ", \(counts.cancelled) cancelled" : ""); \
            diverged reproductions \(Dashboard.Counts.rate(counts.diverged, of: counts.reproductions)).</p>

            """
        body += "<section id=\"metrics\">\n<h2>Metrics over commits</h2>\n"
        if page.metrics.isEmpty {
            body += "<p>No succeeded run of this recipe recorded a metric.</p>\n"
        } else {
            body += "<p>Each point is a sweep's mean (or a single run), oldest commit left; the band is the 95% interval of a sweep's mean.</p>\n"
        }
        for metric in page.metrics { body += "<figure class=\"metric\">\n\(metricChart(metric, of: page.points).svg())\n</figure>\n" }
        body += "</section>\n"
        body += runTable(page)
        body += plots(page, images: &images)
        return ReportDocument.page(title: "Recipe \(page.recipe)", body: body, style: Self.style)
    }

    /// A metric's mean per point, with the sweeps' intervals as a band.
    private func metricChart(_ metric: String, of points: [Dashboard.Point]) -> LineChart {
        let charted = points.enumerated().compactMap { index, point in point.statistics[metric].map { (index, point, $0) } }
        let step = max(1, charted.count / 6)
        // Notes are the dots' hover text: a line of more points than get dots needs none.
        let noted = charted.count <= LineChart.dotLimit
        return LineChart(
            title: "\(metric) over commits",
            series: [
                LineChart.Series(
                    name: metric,
                    points: charted.map { index, point, statistics in
                        LineChart.Point(
                            x: Double(index), y: statistics.mean, interval: statistics.interval,
                            note: noted
                                ? "\(point.commit.hex.prefix(8)) \(point.name): \(Self.interval(statistics)), \(point.seeds) seed\(point.seeds == 1 ? "" : "s")"
                                : nil
                        )
                    })
            ],
            ticks: stride(from: 0, to: charted.count, by: step).map { (Double(charted[$0].0), String(charted[$0].1.commit.hex.prefix(8))) })
    }

    /// Every run: status, seed, duration, params, metrics, and each step's time, CPU and memory.
    private func runTable(_ page: Dashboard.Page) -> String {
        let metrics = Array(page.metrics.prefix(8))
        var table = "<section id=\"runs\">\n<h2>Runs</h2>\n"
        let all = page.counts.runs + page.counts.reproductions
        if all > page.runs.count {
            table +=
                "<p>The latest \(page.runs.count) of \(all) runs; list them all with <code>git recipe log --recipe \(escaped(page.recipe))</code>.</p>\n"
        }
        table += "<table class=\"runs\">\n<thead><tr><th>run</th><th>commit</th><th>status</th><th>seed</th><th>started</th><th>duration</th>"
        table += page.params.map { "<th>\(escaped($0))</th>" }.joined() + metrics.map { "<th>\(escaped($0))</th>" }.joined()
        table += "<th>steps: time, CPU, peak memory</th></tr></thead>\n<tbody>\n"
        for run in page.runs {
            let record = run.record
            var row = "<tr class=\"\(RunStatus(rawValue: record.status)?.rawValue ?? "unknown")\"><td><code>\(escaped(record.id))</code>"
            if let original = record.reproduces { row += "<br />reproduces <code>\(escaped(original))</code>: \(escaped(record.verdict ?? "—"))" }
            row += "</td><td><code>\(record.attachedTo.hex.prefix(8))</code></td><td>\(escaped(record.status))</td>"
            row += "<td>\(record.seed.map(String.init) ?? "—")</td><td>\(escaped(record.started))</td>"
            row += "<td>\(record.seconds.map(RunLog.duration) ?? "—")</td>"
            row += page.params.map { "<td>\(escaped(run.params[$0] ?? "—"))</td>" }.joined()
            row += metrics.map { "<td>\(record.metrics[$0].map(SeedStatistics.format) ?? "—")</td>" }.joined()
            row += "<td>\(steps(of: run))</td></tr>\n"
            table += row
        }
        return table + "</tbody>\n</table>\n</section>\n"
    }

    /// A run's steps, one per line: time, then CPU and peak memory or that they were not recorded.
    private func steps(of run: Dashboard.Run) -> String {
        guard let manifest = run.manifest else { return "manifest unreadable" }
        return manifest.steps.map { step in
            var line = "\(escaped(step.name)) "
            if let skipped = step.skipped { return line + "skipped: \(escaped(skipped))" }
            line += step.seconds.map { "\(CanonicalYAML.canonical($0)) s" } ?? "—"
            if step.cached != nil { return line + " (from the step cache)" }
            line +=
                step.usage.map { ", CPU \(CanonicalYAML.canonical($0.cpuSeconds)) s, \(ByteCount.text(Int64($0.peakMemory)))" }
                ?? ", CPU and memory not recorded"
            return line
        }.joined(separator: "<br />")
    }

    /// The plots of the latest succeeded runs that declared any (a failed run's outputs are
    /// not kept): images copied beside the pages, series drawn as lines.
    private func plots(_ page: Dashboard.Page, images: inout [String: Data]) -> String {
        let plotted = page.runs.filter { run in
            run.manifest.map { $0.status == .succeeded && !$0.steps.allSatisfy(\.plots.isEmpty) } ?? false
        }
        guard !plotted.isEmpty else { return "" }
        var section = "<section id=\"plots\">\n<h2>Plots</h2>\n"
        if plotted.count > Self.plottedRuns {
            section += "<p>The plots of the latest \(Self.plottedRuns) of \(plotted.count) runs that declare plots.</p>\n"
        }
        for run in plotted.prefix(Self.plottedRuns) {
            // Whole, for the outputs' digests: the table read only params and steps.
            guard let manifest = try? run.record.manifest() else { continue }
            section += "<div class=\"plots\">\n<h3>Run <code>\(escaped(manifest.id))</code></h3>\n"
            for step in manifest.steps {
                for path in step.plots {
                    section += "<figure class=\"plot\">\n<figcaption><code>\(escaped(path))</code> (step \(escaped(step.name)))</figcaption>\n"
                    section += plot(path, of: manifest, images: &images) + "\n</figure>\n"
                }
            }
            section += "</div>\n"
        }
        return section + "</section>\n"
    }

    /// One plot: an `<img>` of the image copied beside the pages, a chart of its series, or
    /// why neither can be shown.
    private func plot(_ path: String, of manifest: RunManifest, images: inout [String: Data]) -> String {
        guard let kind = PlotKind(path: path) else { return "<p class=\"missing\">not a kind of plot this version shows</p>" }
        guard let digest = Self.digest(of: path, in: manifest) else {
            return "<p class=\"missing\">the run recorded no such output (the step did not write it)</p>"
        }
        guard let data = store.contents(of: digest, limit: Self.plotLimit) else {
            return "<p class=\"missing\">not in this clone's store (or damaged); fetch it with <code>git recipe pull --artifacts</code></p>"
        }
        switch kind {
        case .image(let mediaType):
            let name = "\(digest.hex).\(mediaType.split(separator: "/")[1].split(separator: "+")[0])"
            images[name] = data
            return "<img src=\"../plots/\(name)\" alt=\"\(escaped(path))\" />"
        case .json, .table:
            switch PlotSeries.lines(in: data, kind: kind) {
            case .success(let lines): return LineChart(title: path, series: lines, ticks: LineChart.evenTicks(lines)).svg()
            case .failure(let error): return "<p class=\"missing\">cannot draw it: \(escaped(error.reason))</p>"
            }
        }
    }

    /// The digest the run recorded for `path`: an output's, or a file's under a directory output.
    static func digest(of path: String, in manifest: RunManifest) -> ContentDigest? {
        if let output = manifest.outputs[path] { return ContentDigest(output.digest) }
        for (directory, output) in manifest.outputs where directory.hasSuffix("/") && path.hasPrefix(directory) {
            if let file = output.files[String(path.dropFirst(directory.count))] { return ContentDigest(file.digest) }
        }
        return nil
    }

    // MARK: Pieces

    /// A mean and its interval: `0.91 [0.89, 0.93]`, or the mean alone for one run.
    private static func interval(_ statistics: SeedStatistics) -> String {
        guard let interval = statistics.interval else { return SeedStatistics.format(statistics.mean) }
        return
            "\(SeedStatistics.format(statistics.mean)) [\(SeedStatistics.format(interval.lowerBound)), \(SeedStatistics.format(interval.upperBound))]"
    }

    private func escaped(_ text: String) -> String { ReportDocument.escaped(Escaping.terminal(text)) }
    private func code(_ text: String) -> String { "<code>\(escaped(text))</code>" }

    /// What the dashboard adds to the report's stylesheet.
    private static let style = """

        main { max-width: 1200px; }
        .nav { margin: 0; font-size: 13px; }
        table.runs { font-size: 13px; }
        table.runs td { white-space: nowrap; }
        tr.failed td { background: #fff1f0; }
        tr.cancelled td { background: #fff8e6; }
        .plots { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
        .plots h3 { flex-basis: 100%; font-size: 15px; margin: 16px 0 0; }
        figure.plot img { max-width: 560px; max-height: 420px; border: 1px solid #d0d7de; }
        .missing { color: #57606a; font-style: italic; }
        """
}
