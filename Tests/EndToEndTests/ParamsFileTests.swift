import Foundation
import TestSupport
import Testing

/// `params: {file: …}`: a DVC-style project whose code reads `params.yaml`
/// unchanged; overrides run in a scratch worktree whose copy of the file carries them, and
/// the checkout is never written.
@Suite("Params files")
struct ParamsFileTests {
    static let params = """
        # what train.py reads; the recipe pins these values
        train:
          n_est: 50
          lr: 0.1
          note: null
        featurize:
          max_features: 100

        """
    static let recipe = """
        version: 1
        seed: 0
        params: {file: params.yaml}
        steps:
          train:
            run: python3 train.py
            inputs: [train.py]
            metrics: [out/metrics.json]

        """
    /// Reads params.yaml as DVC's examples do (PyYAML) and reports what it read as metrics.
    static let train = """
        import json, os, yaml
        params = yaml.safe_load(open("params.yaml"))["train"]
        os.makedirs("out", exist_ok=True)
        json.dump({"n_est": params["n_est"], "lr": params["lr"]}, open("out/metrics.json", "w"))

        """

    static func project(_ recipe: String = recipe, files: [String: String] = [:]) throws -> TemporaryGitRepository {
        try RunCommandTests.project(recipe, files: ["params.yaml": params, "train.py": train].merging(files) { _, new in new })
    }

    /// Every run recorded on HEAD: its id, metrics and overrides (`log` lists runs of one
    /// second in id order, which is not the order they ran in).
    static func runs(_ repo: TemporaryGitRepository) throws -> [(id: String, metrics: [String: Any], overrides: [String: Any])] {
        let log = try repo.recipe("log", "--format", "json")
        guard log.status == 0, let runs = try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]] else {
            throw CommandFailure(command: "git recipe log --format json", result: log)
        }
        return runs.map { ($0["id"] as? String ?? "", $0["metrics"] as? [String: Any] ?? [:], $0["overrides"] as? [String: Any] ?? [:]) }
    }

    @Test func anOverrideRunsInAScratchWorktreeWhoseParamsFileCarriesIt() throws {
        let repo = try Self.project()
        let plain = try repo.recipe("run", "r")
        #expect(plain.status == 0, "\(plain)")
        #expect(try repo.read("out/metrics.json").contains("\"n_est\": 50"))

        let overridden = try repo.recipe("run", "r", "-p", "train.n_est=200", "-p", "train.lr=1e-5")
        #expect(overridden.status == 0, "\(overridden)")
        let runs = try Self.runs(repo)
        #expect(runs.count == 2)
        let override = try #require(runs.first { !$0.overrides.isEmpty })
        // The override reached the code through the file, typed as declared (PyYAML reads
        // `1e-05` as a string, so the file says `1.0e-05`); the step cache
        // did not hand back the first run's outputs, whose key lacked these values.
        #expect(override.metrics["n_est"] as? Double == 200)
        #expect(override.metrics["lr"] as? Double == 1e-5)
        // The checkout is as it was: the file, the status, and the first run's outputs.
        #expect(try repo.read("params.yaml") == Self.params)
        #expect(try repo.git("status", "--porcelain") == "")
        #expect(try repo.read("out/metrics.json").contains("\"n_est\": 50"))
        #expect(try repo.git("worktree", "list").split(separator: "\n").count == 1)
        // Its outputs come back on request.
        let checkout = try repo.recipe("checkout", override.id)
        #expect(checkout.status == 0, "\(checkout)")
        #expect(try repo.read("out/metrics.json").contains("\"n_est\": 200"))
    }

    @Test func aGridOverAParamOfTheFileRunsEveryPointWithItsValue() throws {
        let repo = try Self.project()
        let result = try repo.recipe("run", "r", "--grid", "train.n_est=10,20,30")
        #expect(result.status == 0, "\(result)")
        let seen = try Self.runs(repo).compactMap { $0.metrics["n_est"] as? Double }.sorted()
        #expect(seen == [10, 20, 30])
        #expect(try repo.git("status", "--porcelain") == "")
    }

    @Test func theLockPinsTheFilesValues() throws {
        let repo = try Self.project()
        try repo.write("params.yaml", Self.params.replacingOccurrences(of: "n_est: 50", with: "n_est: 60"))
        let check = try repo.recipe("lock", "--check")
        #expect(check.status == 1, "\(check)")
        #expect(check.stderr.contains("train.n_est") || check.stderr.contains("param 'train'"), "\(check)")
        // The hook sees the staged file: the lock no longer holds its values.
        _ = try repo.git("add", "params.yaml")
        let hook = try repo.recipe("hook", "run", "pre-commit")
        #expect(hook.status == 1, "\(hook)")
        #expect(hook.stderr.contains("git recipe lock r"), "\(hook)")
        try repo.commitAll("more trees")
        let refused = try repo.recipe("run", "r")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("git recipe lock r"), "\(refused)")
    }

    @Test func someKeysOfAYAMLFileAndAJSONFileTogether() throws {
        let recipe = """
            version: 1
            seed: 0
            params:
              - {file: conf/base/parameters.yml, keys: [model_options]}
              - {file: extra.json}
            steps:
              fit:
                run: python3 fit.py
                inputs: [fit.py]
                metrics: [out/metrics.json]

            """
        let parameters = """
            model_options:
              test_size: 0.2
              features: [engines, crew]
            unrelated: {whatever: null}

            """
        let fit = """
            import json, os, yaml
            options = yaml.safe_load(open("conf/base/parameters.yml"))["model_options"]
            extra = json.load(open("extra.json"))
            os.makedirs("out", exist_ok=True)
            json.dump({"test_size": options["test_size"], "features": len(options["features"]), "depth": extra["depth"]},
                      open("out/metrics.json", "w"))

            """
        let repo = try Self.project(
            recipe, files: ["conf/base/parameters.yml": parameters, "extra.json": "{\"depth\": 3, \"name\": \"x\"}\n", "fit.py": fit])
        let result = try repo.recipe("run", "r", "-p", "model_options.test_size=0.3", "-p", "depth=5")
        #expect(result.status == 0, "\(result)")
        let metrics = try Self.runs(repo)[0].metrics
        #expect(metrics["test_size"] as? Double == 0.3)
        #expect(metrics["features"] as? Double == 2)
        #expect(metrics["depth"] as? Double == 5)
        let unknown = try repo.recipe("run", "r", "-p", "unrelated.whatever=1")
        #expect(unknown.status == 2, "\(unknown)")
        let wrongType = try repo.recipe("run", "r", "-p", "depth=deep")
        #expect(wrongType.status == 2, "\(wrongType)")
        #expect(wrongType.stderr.contains("depth"), "\(wrongType)")
    }

    @Test func aBrokenParamsFileIsNamedWithItsLineAndColumn() throws {
        let repo = try Self.project()
        try repo.write("params.yaml", "train:\n  n_est: [50\n")
        let broken = try repo.recipe("validate")
        #expect(broken.status == 2, "\(broken)")
        #expect(broken.stderr.contains("params.yaml:"), "\(broken)")

        try repo.write("params.yaml", Self.params)
        try repo.write(".recipes/r.yaml", Self.recipe.replacingOccurrences(of: "{file: params.yaml}", with: "{file: params.yaml, keys: [trian]}"))
        let missingKey = try repo.recipe("validate")
        #expect(missingKey.status == 2)
        #expect(missingKey.stderr.contains(".recipes/r.yaml:3:"), "\(missingKey)")
        #expect(missingKey.stderr.contains("no top-level key 'trian'") && missingKey.stderr.contains("did you mean 'train'"), "\(missingKey)")

        try repo.write(".recipes/r.yaml", Self.recipe.replacingOccurrences(of: "params.yaml", with: "missing.yaml"))
        let missingFile = try repo.recipe("validate")
        #expect(missingFile.status == 2)
        #expect(missingFile.stderr.contains("params file 'missing.yaml' does not exist"), "\(missingFile)")
    }
}
