import Foundation
import TestSupport
import Testing
import Yams

@testable import GitRecipeCore

/// The templates end to end with a real ML library: a three-seed sweep whose statistics are
/// checked against values computed here, a reproduction that is exact, and variants that are
/// not bit-reproducible — a timestamp in the model (within tolerance), an unseeded subsample
/// of the training data (whatever the numbers say).
@Suite("Templates reproduce")
struct TemplateReproductionTests {
    struct Template: Sendable, CustomTestStringConvertible {
        let name: String
        /// A metric the recipe reports.
        let metric: String
        /// `train.py` edits: one that stamps the model with the time, one that trains on an
        /// unseeded random 90% of the training data.
        let timestamp: (String, String)
        let unseeded: (String, String)

        var testDescription: String { name }
    }

    static let templates = [
        Template(
            name: "minimal", metric: "test_mse",
            timestamp: ("json.dump({\"weights\": weights}", "json.dump({\"weights\": weights, \"trained_at\": __import__(\"time\").time()}"),
            unseeded: (
                "weights = linear.fit(train)", "train = __import__(\"random\").sample(train, len(train) * 9 // 10)\nweights = linear.fit(train)"
            )),
        Template(
            name: "sklearn", metric: "accuracy",
            timestamp: (
                "    pickle.dump(model, handle, protocol=5)",
                "    pickle.dump(model, handle, protocol=5)\n    handle.write(repr(__import__(\"time\").time()).encode())"
            ),
            unseeded: (
                "model = make_pipeline(",
                "keep = np.random.default_rng().permutation(len(x))[: len(x) * 9 // 10]\nx, y = x[keep], y[keep]\nmodel = make_pipeline("
            )),
    ]

    @Test(arguments: templates)
    func aSweepReproducesExactlyAndNondeterminismIsCaught(template: Template) throws {
        let repo = try TemporaryGitRepository()
        #expect(try repo.recipe("init", "--template", template.name).status == 0)
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("scaffold and lock")
        let sweep = try repo.recipe("run", "train", "--seeds", "0..2")
        #expect(sweep.status == 0, "\(sweep)")
        let runs = try Self.runs(repo)
        #expect(runs.count == 3)

        // The sweep's statistics, computed here from the runs' own values.
        let values = try runs.map { try #require($0.metrics[template.metric]) }
        let mean = values.reduce(0, +) / 3
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
        let margin = 4.302653 * deviation / 3.0.squareRoot()  // t(0.975, 2)
        let log = try JSONSerialization.jsonObject(with: Data(try repo.recipe("log", "--format", "json").stdout.utf8)) as! [[String: Any]]
        let statistics = try #require((log[0]["metrics"] as? [String: Any])?[template.metric] as? [String: Any])
        func number(_ key: String) -> Double? { (statistics[key] as? NSNumber)?.doubleValue }
        #expect(number("n") == 3)
        #expect(abs(number("mean")! - mean) <= 1e-12 * abs(mean))
        #expect(abs(number("std")! - deviation) <= 1e-12 * abs(deviation))
        // Foundation's JSON reader on Linux can be one ulp off, so "equal" is within 1e-14.
        func close(_ a: Double?, _ b: Double?) -> Bool { abs(a! - b!) <= 1e-14 * abs(b!) }
        #expect(close(number("min"), values.min()) && close(number("max"), values.max()), "\(statistics) \(values)")
        let interval = try #require((statistics["ci95"] as? [NSNumber])?.map(\.doubleValue))
        #expect(abs(interval[0] - (mean - margin)) < 1e-6 * max(1, abs(mean)) && abs(interval[1] - (mean + margin)) < 1e-6 * max(1, abs(mean)))

        let exact = try repo.recipe("reproduce", runs[1].id)
        #expect(exact.status == 0, "\(exact)")
        #expect(exact.stdout.contains("verdict: exact — every output and metric is identical to run \(runs[1].id)'s"), "\(exact)")
        let report = try repo.recipe("report", "HEAD:train").stdout
        #expect(report.contains("**Evidence: strong** — 3 seeds, 1 reproduction, unsigned, on 1 host: exact."), "\(report)")

        let stamped = try reproduceVariant(template.timestamp, in: repo)
        #expect(stamped.result.status == 0, "\(stamped.result)")
        #expect(stamped.verdict == "within-tolerance", "\(stamped.result)")
        #expect(stamped.result.stdout.contains("  output models/"), "the model's bytes differ")

        let unseeded = try reproduceVariant(template.unseeded, in: repo)
        #expect(unseeded.verdict == "within-tolerance" || unseeded.verdict == "diverged", "\(unseeded.result)")
        // The verdict is the one the recorded numbers call for.
        let tolerated = unseeded.differences.allSatisfy { abs($0.reproduction - $0.run) <= $0.tolerance + 1e-12 }
        #expect(unseeded.verdict == (tolerated ? "within-tolerance" : "diverged"), "\(unseeded.differences)")
        #expect(unseeded.result.status == (tolerated ? 0 : 1))
    }

    struct Run {
        let id: String
        let metrics: [String: Double]
    }

    /// The runs on HEAD that are not reproductions, in seed order.
    static func runs(_ repo: TemporaryGitRepository) throws -> [Run] {
        try documents(repo).filter { $0["reproduces"] == nil }.sorted { ($0["seed"]?.int ?? 0) < ($1["seed"]?.int ?? 0) }.map { document in
            Run(
                id: try #require(document["id"]?.string),
                metrics: Dictionary(uniqueKeysWithValues: (document["metrics"]?.mapping ?? [:]).map { ($0.key.string!, Double($0.value.string!)!) }))
        }
    }

    static func documents(_ repo: TemporaryGitRepository) throws -> [Node] {
        try RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", "HEAD")).documents.map { try #require(try Yams.compose(yaml: $0.text)) }
    }

    /// Edits train.py, locks and commits, runs with seed 0 and reproduces that run.
    func reproduceVariant(_ edit: (String, String), in repo: TemporaryGitRepository) throws
        -> (result: CommandResult, verdict: String?, differences: [(run: Double, reproduction: Double, tolerance: Double)])
    {
        let source = try repo.read("train.py")
        #expect(source.contains(edit.0))
        try repo.write("train.py", source.replacingOccurrences(of: edit.0, with: edit.1))
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("variant")
        #expect(try repo.recipe("run", "train", "--seed", "0").status == 0)
        let original = try #require(try Self.runs(repo).first).id
        let result = try repo.recipe("reproduce", original)
        let reproduction = try #require(try Self.documents(repo).first { $0["reproduces"]?.string == original })
        let differences = (reproduction["differences"]?["metrics"]?.mapping ?? [:]).map { _, value in
            (run: value["run"]?.float ?? .nan, reproduction: value["reproduction"]?.float ?? .nan, tolerance: value["tolerance"]?.float ?? 0)
        }
        return (result, reproduction["verdict"]?.string, differences)
    }
}
