import Foundation

/// `git recipe dashboard`: the runs of a range gathered per recipe — each metric over the
/// commits with its sweeps' intervals, the runs with their params, steps and resource use,
/// failure and divergence rates, and the plots runs declared. ``DashboardSite`` renders it.
public struct Dashboard: Sendable {
    /// One recipe's runs in the range.
    public struct Page: Sendable {
        /// The recipe's name, as the runs recorded it.
        public let recipe: String
        /// Its points, oldest commit first: one per sweep or single run that succeeded.
        let points: [Point]
        /// Its latest runs (at most ``Dashboard/tableLimit``), newest commit first, each with its manifest.
        let runs: [Run]
        /// The commits its runs are attached to.
        let commits: Int
        /// The metrics charted: the recipe's key metrics first, then the rest by name.
        let metrics: [String]
        /// Every param's dotted name, in order.
        let params: [String]
        /// How its runs ended.
        let counts: Counts
    }

    /// A sweep (or a single run) on one commit: each metric's statistics over its seeds.
    struct Point: Sendable {
        /// The commit the runs are attached to.
        let commit: ObjectID
        /// The sweep's id, or the run's.
        let name: String
        /// When its first run started.
        let started: String
        /// Seeds it holds.
        let seeds: Int
        /// Each metric's statistics over the seeds.
        let statistics: [String: SeedStatistics]
    }

    /// A run and its manifest read in the sections its row shows (``tableSections``; `nil`
    /// where the manifest cannot be decoded), with its params as dotted names and text.
    struct Run: Sendable {
        let record: RunRecord
        let manifest: RunManifest?
        let params: [String: String]

        init(record: RunRecord) {
            self.record = record
            manifest = try? RunManifest(decoding: record.document, sections: Dashboard.tableSections)
            // Leaves are named `.a.b` from the root.
            let leaves = manifest.map { ParamValue.map($0.params).leaves(prefix: "") } ?? [:]
            params = Dictionary(uniqueKeysWithValues: leaves.map { (String($0.key.dropFirst()), $0.value.description) })
        }
    }

    /// How a recipe's runs ended, reproductions counted apart.
    struct Counts: Sendable {
        var runs = 0, failed = 0, cancelled = 0
        var reproductions = 0, diverged = 0

        /// `part` of `whole` as a percentage with its counts, or "—" when there is none.
        static func rate(_ part: Int, of whole: Int) -> String {
            whole == 0 ? "—" : String(format: "%.1f%% (%d of %d)", 100 * Double(part) / Double(whole), part, whole)
        }
    }

    /// The runs a recipe's table lists, newest first: every run counts in the charts and
    /// rates, but a table of ten thousand rows helps no one, and each row's manifest must be
    /// decoded; `git recipe log --recipe R` lists them all.
    public static let tableLimit = 200

    /// The manifest sections a run's row shows besides its record: its params, and its steps
    /// with their time, CPU, memory and plots. Host, environment, inputs and outputs, most of
    /// a manifest, are not read (a quarter of the lines are, in the benchmark's history).
    static let tableSections: Set<String> = ["params", "steps"]

    /// The range as given (`HEAD`, `A..B`).
    public let range: String
    /// The commits the range holds.
    public let commits: Int
    /// One page per recipe, by name.
    public let pages: [Page]

    /// The runs on `commits` (newest first), of `recipe` only when given. `keyMetrics` names
    /// each recipe's tolerance metrics, charted first.
    public init(
        history: RunHistory, range: String, commits: [ObjectID], recipe: String? = nil, keyMetrics: [String: [String]] = [:]
    ) throws {
        let perCommit = try history.runs(on: commits)
        let records = perCommit.flatMap { $0.reversed().filter { recipe == nil || $0.recipe == recipe } }
        guard !records.isEmpty else {
            throw DashboardError(
                description:
                    "no runs\(recipe.map { " of recipe '\($0)'" } ?? "") are recorded on the \(commits.count) commit\(commits.count == 1 ? "" : "s") of '\(range)'; "
                    + "record one with git recipe run RECIPE, or fetch others' with git recipe pull")
        }
        let byRecipe = Dictionary(grouping: records, by: \.recipe).sorted { $0.key < $1.key }
        // One page per worker at a time: a page decodes the manifests of the runs it lists.
        let pages = concurrentMap(
            byRecipe.count, workers: ProcessInfo.processInfo.activeProcessorCount, state: {},
            transform: { _, index in
                let (name, runs) = byRecipe[index]
                let listed = runs.prefix(Self.tableLimit).map(Run.init)
                return Self.page(name, records: runs, listed: listed, keyMetrics: keyMetrics[name] ?? [])
            })
        self.range = range
        self.commits = commits.count
        self.pages = pages
    }

    /// A recipe's page from its runs, newest first, and the latest of them with their manifests.
    private static func page(_ recipe: String, records: [RunRecord], listed: [Run], keyMetrics: [String]) -> Page {
        var counts = Counts()
        var groups: [(commit: ObjectID, name: String, runs: [RunRecord])] = []
        var position: [Group: Int] = [:]
        for record in records.reversed() {
            if record.reproduces != nil {
                counts.reproductions += 1
                if record.tier == .diverged { counts.diverged += 1 }
                continue
            }
            counts.runs += 1
            if record.status == RunStatus.failed.rawValue { counts.failed += 1 }
            if record.status == RunStatus.cancelled.rawValue { counts.cancelled += 1 }
            guard record.status == RunStatus.succeeded.rawValue else { continue }
            let key = Group(commit: record.attachedTo, name: record.sweep ?? record.id)
            if let index = position[key] {
                groups[index].runs.append(record)
            } else {
                position[key] = groups.count
                groups.append((record.attachedTo, record.sweep ?? record.id, [record]))
            }
        }
        let points = groups.map { group in
            Point(
                commit: group.commit, name: group.name, started: group.runs.lazy.map(\.started).min() ?? "", seeds: group.runs.count,
                statistics: Dictionary(uniqueKeysWithValues: SeedStatistics.of(group.runs).map { ($0.metric, $0.statistics) }))
        }
        let named = Set(points.flatMap(\.statistics.keys))
        let metrics = keyMetrics.filter(named.contains) + named.subtracting(keyMetrics).sorted()
        let params = Set(listed.flatMap(\.params.keys)).sorted()
        return Page(
            recipe: recipe, points: points, runs: listed, commits: Set(records.map(\.attachedTo)).count, metrics: metrics, params: params,
            counts: counts)
    }

    /// The runs of a point: a sweep's, or one run's, on a commit.
    private struct Group: Hashable {
        let commit: ObjectID
        let name: String
    }
}

/// A dashboard that cannot be made: the range holds no runs.
public struct DashboardError: RecipeError {
    /// What is wrong and the command that fixes it.
    public let description: String
    /// Exit 1: nothing to show.
    public var exitStatus: ExitStatus { .checkFailed }
}
