import Foundation
import TestSupport
import Testing

/// `run --grid` and a recipe's `grid:`: every combination of the values on
/// every seed, each point a sweep of its own in one grid; `log`, `show`, `report` and `diff`
/// over the points; bad grids refused before anything runs.
@Suite("Grids")
struct GridTests {
    /// A recipe whose score is `a × b + seed`, so every point's statistics are known here.
    static let recipe = """
        version: 1
        seed: 0
        params: {a: 1, b: 10}
        steps:
          score:
            run: python3 score.py {{params.a}} {{params.b}}
            inputs: [score.py]
            metrics: [out/metrics.json]

        """
    static let script = """
        import json, os, sys
        os.makedirs("out", exist_ok=True)
        a, b = int(sys.argv[1]), int(sys.argv[2])
        json.dump({"score": a * b + int(os.environ["RECIPE_SEED"])}, open("out/metrics.json", "w"))

        """

    static func project(_ recipe: String = recipe) throws -> TemporaryGitRepository {
        try RunCommandTests.project(recipe, files: ["score.py": script])
    }

    /// The grid ids recorded on HEAD, and each run's sweep.
    static func records(_ repo: TemporaryGitRepository) throws -> [(grid: String, sweep: String, a: String?, b: String?)] {
        let note = try repo.git("notes", "--ref=recipes", "show", "HEAD")
        return note.components(separatedBy: "---\n").filter { $0.contains("schema:") }.map { document in
            func field(_ name: String, in text: String) -> String? {
                text.split(separator: "\n").first { $0.hasPrefix("\(name): ") }.map {
                    String($0.dropFirst(name.count + 2)).trimmingCharacters(in: ["\""])
                }
            }
            let overrides = document.components(separatedBy: "overrides:\n").dropFirst().first?.components(separatedBy: "\nexecutor:").first ?? ""
            return (
                field("grid", in: document) ?? "", field("sweep", in: document) ?? "", field("  a", in: overrides),
                field("  b", in: overrides)
            )
        }
    }

    @Test func aTwoByTwoGridOnTwoSeedsRecordsEachPointWithItsStatistics() throws {
        let repo = try Self.project()
        let result = try repo.recipe("run", "r", "--grid", "a=1,2", "--grid", "b=10,20", "--seeds", "0..1")
        #expect(result.status == 0, "\(result)")
        let records = try Self.records(repo)
        #expect(records.count == 8)
        let grids = Set(records.map(\.grid))
        #expect(grids.count == 1 && grids.first?.hasPrefix("grid-") == true)
        let points = Dictionary(grouping: records, by: \.sweep)
        #expect(points.count == 4 && points.values.allSatisfy { $0.count == 2 })
        #expect(Set(points.values.map { "\($0[0].a ?? "?")×\($0[0].b ?? "?")" }) == ["1×10", "1×20", "2×10", "2×20"])

        // Each point: seeds 0 and 1 give a·b and a·b + 1: mean a·b + ½, sd √½, and the 95%
        // interval ± t(0.975, 1) · sd / √2.
        let grid = try #require(grids.first)
        let show = try repo.recipe("show", grid, "--format", "markdown")
        #expect(show.status == 0, "\(show)")
        let margin = 12.706204736174707 * 0.5.squareRoot() / 2.0.squareRoot()
        for (a, b) in [(1, 10), (1, 20), (2, 10), (2, 20)] {
            let mean = Double(a * b) + 0.5
            let row = "| `a=\(a) b=\(b)`"
            let line = try #require(show.stdout.split(separator: "\n").first { $0.hasPrefix(row) }, "\(show.stdout)")
            let expected = "| \(format(mean)) [\(format(mean - margin)), \(format(mean + margin))] |"
            #expect(line.hasSuffix(expected), "\(line) should end with \(expected)")
        }
        // The best point is marked, with its interval, and clears the runner-up's.
        #expect(show.stdout.contains("| `a=2 b=20` **best** |"), "\(show.stdout)")
        #expect(
            show.stdout.contains(
                "Best by `score` (higher is better): `a=2 b=20`, mean 40.5 with 95% interval [\(format(40.5 - margin)), \(format(40.5 + margin))]; its interval clears the runner-up's"
            ), "\(show.stdout)")
        #expect(result.stdout.contains("### Grid `\(grid)`: 4 points × 2 seeds"), "the run ends with the table: \(result.stdout)")

        // log folds each point into one line; report leads with the best point and the table.
        let log = try repo.recipe("log")
        #expect(log.stdout.split(separator: "\n").filter { $0.contains("(point of \(grid))") }.count == 4, "\(log.stdout)")
        let report = try repo.recipe("report", grid)
        #expect(report.status == 0 && report.stdout.contains("## Grid\n"), "\(report)")
        #expect(report.stdout.contains("| `a=2 b=20` **best** |"), "\(report.stdout)")

        // Two points compare like any two sweeps.
        let sweeps = points.map(\.key).sorted()
        let diff = try repo.recipe("diff", sweeps[0], sweeps[1])
        #expect(diff.status == 0 && diff.stdout.contains("params"), "\(diff)")
    }

    @Test func aRecipesGridRunsAndGridOnTheCommandLineReplacesAnAxis() throws {
        let repo = try Self.project(Self.recipe + "grid: {a: [1, 2, 3]}\n")
        #expect(try repo.recipe("run", "r").status == 0)
        #expect(Set(try Self.records(repo).map(\.a)) == ["1", "2", "3"])
        #expect(Set(try Self.records(repo).map(\.grid)).count == 1)
        #expect(try repo.recipe("run", "r", "--grid", "a=7", "--grid", "b=5,6").status == 0)
        let second = try Self.records(repo).filter { $0.a == "7" }
        #expect(second.count == 2 && Set(second.compactMap(\.b)) == ["5", "6"], "\(second)")
        let plan = try repo.recipe("run", "r", "--dry-run")
        #expect(plan.stdout.contains("plan for 'r' with seed 0 at a=3:"), "\(plan)")
    }

    @Test func badGridsAreRefusedBeforeAnythingRuns() throws {
        let repo = try Self.project()
        let cases: [([String], String)] = [
            (["--grid", "nope=1,2"], "recipe 'r' has no param 'nope'"),
            (["--grid", "a=1,x"], "param 'a' is an integer, and 'x' is not"),
            (["--grid", "a"], "'--grid a' is not a param and its values"),
            (["--grid", "a=1,2", "-p", "a=3"], "param 'a' is both on the grid and set with -p"),
            (
                ["--grid", "a=" + (1...1001).map(String.init).joined(separator: ",")],
                "the grid has 1001 points, 1001 runs with the seeds; that many runs need --yes"
            ),
        ]
        for (arguments, message) in cases {
            let result = try repo.recipe(["run", "r"] + arguments)
            #expect(result.status == 2, "\(arguments): \(result)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(try repo.git("for-each-ref", "refs/notes/recipes").isEmpty, "nothing ran")

        try repo.write(".recipes/r.yaml", Self.recipe + "grid: {a: [1, two], c: [1]}\n")
        let validate = try repo.recipe("validate")
        #expect(validate.status == 2, "\(validate)")
        #expect(validate.stderr.contains(".recipes/r.yaml:9:15: error: grid 'a' holds two"), "\(validate.stderr)")
        #expect(validate.stderr.contains("grid 'a' holds two, but the param is"), "\(validate.stderr)")
        #expect(validate.stderr.contains("grid names 'c', which is not a param; params: a, b"), "\(validate.stderr)")
    }

    /// A number as the tables print it.
    private func format(_ value: Double) -> String {
        let decimals = abs(value) >= 1 ? 4 : 4 - Int(log10(abs(value)).rounded(.down))
        let scale = pow(10, Double(decimals))
        let rounded = (value * scale).rounded() / scale
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
