import Foundation

/// Experiment trackers a step may already use: each step is told its recipe
/// run through the variables MLflow and W&B themselves read, and after the run the tracker
/// runs each step made are found and recorded in its manifest entry, so each side points
/// at the other.
///
/// - MLflow: `MLFLOW_RUN_CONTEXT` (JSON tags MLflow's `SystemEnvironmentContext` puts on
///   every run it starts: `git-recipe.run`, `git-recipe.recipe`, `git-recipe.step`, merged
///   into any the user set) and `MLFLOW_EXPERIMENT_NAME` (the recipe, unless an experiment is
///   named already). Its runs are found by those tags: in a tracking server
///   (`MLFLOW_TRACKING_URI` `http(s)://`, through its REST API) or a file store (`file:` or a
///   path, or `./mlruns` in the work tree, MLflow's default).
/// - W&B: `WANDB_RUN_GROUP` (the recipe run), `WANDB_JOB_TYPE` (the step), `WANDB_TAGS`
///   (`git-recipe` added), `WANDB_NOTES`, and `WANDB_DIR` (the run's directory under
///   `.git/recipes/runs/`, so that W&B's files never land in the work tree), unless set. Its
///   runs (online or offline) are the `run-…-ID` directories it leaves there.
enum Trackers {
    /// The variables `environment` sets: what a step in an image gets too (other tracker
    /// settings, such as credentials, only when the recipe's `vars` name them).
    static let variables: Set<String> = [
        "MLFLOW_RUN_CONTEXT", "MLFLOW_EXPERIMENT_NAME", "WANDB_RUN_GROUP", "WANDB_JOB_TYPE", "WANDB_TAGS", "WANDB_NOTES", "WANDB_DIR",
    ]

    /// The variables a step gets, for `base` (the run's environment, which the user's own
    /// settings win over).
    static func environment(_ base: [String: String], recipe: String, run: String, step: String, directory: String) -> [String: String] {
        var environment = base
        var tags: [String: String] = ["git-recipe.run": run, "git-recipe.recipe": recipe, "git-recipe.step": step]
        // The user's own tags stay, whatever JSON their values are (MLflow turns them into text).
        if let given = base["MLFLOW_RUN_CONTEXT"], let data = given.data(using: .utf8),
            let existing = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        {
            tags.merge(existing.mapValues { $0 as? String ?? "\($0)" }) { ours, _ in ours }
        }
        environment["MLFLOW_RUN_CONTEXT"] = ManifestValue.map(tags.byKeyBytes.map { .init($0.key, .string($0.value)) }).json(indent: nil)
        if base["MLFLOW_EXPERIMENT_NAME"] == nil, base["MLFLOW_EXPERIMENT_ID"] == nil { environment["MLFLOW_EXPERIMENT_NAME"] = recipe }
        environment["WANDB_RUN_GROUP"] = base["WANDB_RUN_GROUP"] ?? run
        environment["WANDB_JOB_TYPE"] = base["WANDB_JOB_TYPE"] ?? step
        environment["WANDB_TAGS"] = ((base["WANDB_TAGS"].map { [$0] } ?? []) + ["git-recipe", "recipe:\(recipe)"]).joined(separator: ",")
        environment["WANDB_NOTES"] = base["WANDB_NOTES"] ?? "git-recipe run \(run), recipe \(recipe), step \(step) (git recipe show \(run))"
        environment["WANDB_DIR"] = base["WANDB_DIR"] ?? wandbDirectory(directory, step: step)
        return environment
    }

    /// Where W&B writes a step's files when the user has not said: the run's directory.
    static func wandbDirectory(_ directory: String, step: String) -> String { "\(directory)/trackers/\(step)" }

    /// Records in each of `steps` that ran (none restored from the cache) the tracker runs it
    /// made, `base` being the run's environment; returns warnings for trackers that could
    /// not be asked — never a failure. A tracking server that does not answer is asked no more.
    static func link(
        _ steps: inout [RunManifest.Step], recipe: String, run: String, base: [String: String], directory: String, workTree: String
    ) -> [String] {
        var warnings: [String] = []
        var serverDown = false
        var warnedURI = false
        for index in steps.indices where steps[index].command != nil && steps[index].cached == nil {
            let step = steps[index].name
            let environment = self.environment(base, recipe: recipe, run: run, step: step, directory: directory)
            var runs: [RunManifest.TrackerRun] = []
            if let directory = environment["WANDB_DIR"] { runs += wandbRuns(in: "\(directory)/wandb") }
            let uri = environment["MLFLOW_TRACKING_URI"] ?? ""
            if uri.hasPrefix("http://") || uri.hasPrefix("https://") {
                do {
                    if !serverDown { runs += try MLflowServer(uri: uri).runs(run: run, step: step) }
                } catch {
                    serverDown = true
                    warnings.append("the MLflow tracking server at \(uri) did not answer (\(error)); the MLflow runs of this run are not linked")
                }
            } else if let store = fileStore(uri, workTree: workTree) {
                runs += mlflowFileStore(store, run: run, step: step, uri: uri)
            } else if !warnedURI {
                warnedURI = true
                warnings.append("MLflow's tracking URI '\(uri)' is neither a server (http, https) nor a file store; MLflow runs are not linked")
            }
            steps[index].trackers = runs
        }
        return warnings
    }

    /// The directory of the MLflow file store `uri` names (relative to the work tree, where
    /// steps run): `./mlruns` for none, MLflow's default; `nil` for another kind of store.
    private static func fileStore(_ uri: String, workTree: String) -> String? {
        if uri.isEmpty { return "\(workTree)/mlruns" }
        var path = uri
        if path.hasPrefix("file://") {
            path = String(path.dropFirst("file://".count))
        } else if path.hasPrefix("file:") {
            path = String(path.dropFirst("file:".count))
        } else if path.contains(":") {
            return nil
        }
        return path.hasPrefix("/") ? path : "\(workTree)/\(path)"
    }

    /// W&B's run directories under `directory` (`run-DATE_TIME-ID`, `offline-run-…-ID`).
    private static func wandbRuns(in directory: String) -> [RunManifest.TrackerRun] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        return names.compactMap { name in
            guard let match = name.wholeMatch(of: /(offline-)?run-\d{8}_\d{6}-([A-Za-z0-9]+)/) else { return nil }
            return RunManifest.TrackerRun(
                tool: "wandb", run: String(match.output.2), experiment: nil, location: match.output.1 == nil ? "online" : "offline")
        }
    }

    /// The runs of an MLflow file store tagged with `run` and `step`.
    private static func mlflowFileStore(_ root: String, run: String, step: String, uri: String) -> [RunManifest.TrackerRun] {
        let manager = FileManager.default
        var runs: [RunManifest.TrackerRun] = []
        for experiment in ((try? manager.contentsOfDirectory(atPath: root)) ?? []).sorted() where experiment.first?.isNumber == true {
            for id in ((try? manager.contentsOfDirectory(atPath: "\(root)/\(experiment)")) ?? []).sorted() {
                let tags = "\(root)/\(experiment)/\(id)/tags"
                func tag(_ name: String) -> String? { try? String(contentsOfFile: "\(tags)/\(name)", encoding: .utf8) }
                guard tag("git-recipe.run") == run, tag("git-recipe.step") == step else { continue }
                runs.append(RunManifest.TrackerRun(tool: "mlflow", run: id, experiment: experiment, location: uri.isEmpty ? "mlruns" : uri))
            }
        }
        return runs
    }
}

/// An MLflow tracking server, asked through its REST API (`/api/2.0/mlflow/…`) with curl.
struct MLflowServer {
    /// The server's URI.
    let uri: String

    /// The runs tagged with `run` and `step`, in any experiment.
    func runs(run: String, step: String) throws -> [RunManifest.TrackerRun] {
        let experiments = try post("experiments/search", ["max_results": 1000])
        let ids = ((experiments["experiments"] as? [[String: Any]]) ?? []).compactMap { $0["experiment_id"] as? String }
        guard !ids.isEmpty else { return [] }
        let filter = "tags.`git-recipe.run` = '\(run)' and tags.`git-recipe.step` = '\(step)'"
        let found = try post("runs/search", ["experiment_ids": ids, "filter": filter, "max_results": 1000])
        return ((found["runs"] as? [[String: Any]]) ?? []).compactMap { entry in
            guard let info = entry["info"] as? [String: Any], let id = info["run_id"] as? String else { return nil }
            return RunManifest.TrackerRun(tool: "mlflow", run: id, experiment: info["experiment_id"] as? String, location: uri)
        }
    }

    /// POSTs `body` as JSON to `api/2.0/mlflow/PATH`; the answer's JSON object.
    private func post(_ path: String, _ body: [String: Any]) throws -> [String: Any] {
        let url = uri.hasSuffix("/") ? "\(uri)api/2.0/mlflow/\(path)" : "\(uri)/api/2.0/mlflow/\(path)"
        let outcome = try ChildProcess(
            arguments: [
                "curl", "--silent", "--show-error", "--fail-with-body", "--max-time", "10", "-X", "POST", "-H", "Content-Type: application/json",
                "--data-binary", "@-", url,
            ],
            directory: "/", input: try JSONSerialization.data(withJSONObject: body)
        ).run(timeout: 20)
        guard outcome.status == 0 else {
            throw MLflowServerError(reason: (outcome.stderr + outcome.stdout).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return (try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8))) as? [String: Any] ?? [:]
    }
}

/// A tracking server that did not answer as one.
struct MLflowServerError: Error, CustomStringConvertible {
    /// What curl or the server said.
    let reason: String

    /// The reason, as the warning quotes it.
    var description: String { reason }
}
