import Foundation
import TestSupport
import Testing

/// Experiment trackers: a step is told its recipe run through the variables
/// MLflow and W&B read, and the tracker runs it made are recorded in its manifest entry.
@Suite("Experiment trackers")
struct TrackerTests {
    /// A recipe whose one step runs `script` with Python.
    static func project(_ script: String, ignore: String = "out/\n") throws -> TemporaryGitRepository {
        try RunCommandTests.project(
            """
            version: 1
            seed: 0
            steps:
              fit:
                run: python3 fit.py
                inputs: [fit.py]
                metrics: [out/metrics.json]

            """, files: ["fit.py": script], ignore: ignore)
    }

    /// Writes the metrics file every script here ends with.
    static let metrics = """
        import json, os
        os.makedirs("out", exist_ok=True)
        json.dump({"acc": 0.5}, open("out/metrics.json", "w"))

        """

    /// The step's tracker entries in the note on HEAD, as `tool run` lines.
    static func trackers(_ repo: TemporaryGitRepository) throws -> [String] {
        let show = try repo.recipe("show", "HEAD", "--format", "json")
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [[String: Any]])
        let steps = runs.first?["steps"] as? [[String: Any]] ?? []
        return steps.flatMap { ($0["trackers"] as? [[String: Any]]) ?? [] }.map { "\($0["tool"] ?? "") \($0["run"] ?? "")" }
    }

    /// The recipe run recorded on HEAD.
    static func runID(_ repo: TemporaryGitRepository) throws -> String {
        let note = try repo.git("notes", "--ref=recipes", "show", "HEAD")
        return try #require(note.firstMatch(of: /\nid: "?([^"\n]+)"?\n/).map { String($0.output.1) })
    }

    /// Asks the MLflow server's REST API for `path` (with its query), as JSON.
    static func mlflow(_ uri: String, _ path: String) throws -> [String: Any] {
        let result = try run("curl", ["-sS", "\(uri)/api/2.0/mlflow/\(path)"], in: "/", environment: ProcessInfo.processInfo.environment)
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test(.enabled(if: LocalService.mlflow.isAvailable, Comment(rawValue: LocalService.mlflow.skipReason)))
    func anMLflowRunAndTheRecipeRunPointAtEachOther() throws {
        let uri = try #require(LocalService.mlflow.exports?["MLFLOW_LOCAL_URI"], "the MLflow server did not start: run scripts/mlflow-local start")
        let repo = try Self.project(
            """
            import mlflow
            with mlflow.start_run():
                mlflow.log_metric("acc", 0.5)

            """ + Self.metrics)
        let result = try repo.recipe("run", "r", environment: ["MLFLOW_TRACKING_URI": uri])
        #expect(result.status == 0, "\(result)")
        let linked = try Self.trackers(repo)
        #expect(linked.count == 1 && linked[0].hasPrefix("mlflow "), "\(linked)")
        let mlflowRun = String(linked[0].dropFirst("mlflow ".count))
        // The MLflow run carries the recipe run, recipe and step as tags, in the recipe's experiment.
        let found = try Self.mlflow(uri, "runs/get?run_id=\(mlflowRun)")
        let data = (found["run"] as? [String: Any])?["data"] as? [String: Any]
        let tags = Dictionary(((data?["tags"] as? [[String: String]]) ?? []).compactMap { tag in tag["key"].map { ($0, tag["value"] ?? "") } }) {
            a, _ in a
        }
        #expect(tags["git-recipe.run"] == (try Self.runID(repo)))
        #expect(tags["git-recipe.recipe"] == "r" && tags["git-recipe.step"] == "fit", "\(tags)")
        let experiment = ((found["run"] as? [String: Any])?["info"] as? [String: Any])?["experiment_id"] as? String ?? ""
        let named = try Self.mlflow(uri, "experiments/get-by-name?experiment_name=r")
        #expect((named["experiment"] as? [String: Any])?["experiment_id"] as? String == experiment)
    }

    @Test func aTrackingServerThatIsDownWarnsAndTheRunGoesOn() throws {
        let repo = try Self.project(Self.metrics)
        let result = try repo.recipe("run", "r", environment: ["MLFLOW_TRACKING_URI": "http://127.0.0.1:9"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("warning: the MLflow tracking server at http://127.0.0.1:9 did not answer"), "\(result)")
        #expect(try Self.trackers(repo).isEmpty)
    }

    /// Whether `python3 -c 'import NAME'` works here.
    static func imports(_ name: String) -> Bool {
        (try? run("python3", ["-c", "import \(name)"], in: "/", environment: ProcessInfo.processInfo.environment))?.status == 0
    }

    @Test(.enabled(if: imports("mlflow") || ProcessInfo.processInfo.environment["CI"] != nil, "needs mlflow (pip install mlflow)"))
    func anMLflowFileStoreInTheWorkTreeIsReadToo() throws {
        let repo = try Self.project(
            """
            import mlflow
            with mlflow.start_run():
                mlflow.log_metric("acc", 0.5)

            """ + Self.metrics, ignore: "out/\nmlruns/\n")
        // MLflow now asks for a database, but reads and writes file stores on request.
        let result = try repo.recipe("run", "r", environment: ["MLFLOW_TRACKING_URI": "file:./mlruns", "MLFLOW_ALLOW_FILE_STORE": "true"])
        #expect(result.status == 0, "\(result)")
        let linked = try Self.trackers(repo)
        #expect(linked.count == 1 && linked[0].hasPrefix("mlflow "), "\(linked)")
    }

    @Test(.enabled(if: imports("wandb") || ProcessInfo.processInfo.environment["CI"] != nil, "needs wandb (pip install wandb)"))
    func anOfflineWandbRunIsLinkedAndKeptOutOfTheWorkTree() throws {
        let repo = try Self.project(
            """
            import os, wandb
            run = wandb.init(project="git-recipe-tests")
            run.log({"acc": 0.5})
            assert run.group == os.environ["RECIPE_RUN_ID"], run.group
            assert run.job_type == "fit", run.job_type
            assert "git-recipe" in run.tags, run.tags
            run.finish()

            """ + Self.metrics)
        let result = try repo.recipe("run", "r", environment: ["WANDB_MODE": "offline", "WANDB_SILENT": "true"])
        #expect(result.status == 0, "\(result)")
        let linked = try Self.trackers(repo)
        #expect(linked.count == 1 && linked[0].hasPrefix("wandb "), "\(linked)")
        #expect(try repo.git("status", "--porcelain") == "")
        let directory = "\(repo.path)/.git/recipes/runs/\(try Self.runID(repo))/trackers/fit/wandb"
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(entries.contains { $0.hasPrefix("offline-run-") && $0.hasSuffix("-\(linked[0].dropFirst("wandb ".count))") }, "\(entries)")
        let markdown = try repo.recipe("show", "HEAD", "--format", "markdown")
        #expect(markdown.stdout.contains("| wandb `\(linked[0].dropFirst("wandb ".count))` (offline) | fit |"), "\(markdown)")
    }
}
