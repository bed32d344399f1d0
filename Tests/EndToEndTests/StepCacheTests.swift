import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// The step cache: a step whose key a recorded step has, with its outputs in
/// the store, is restored instead of run; any ingredient of the key that changes runs it.
@Suite("The step cache")
struct StepCacheTests {
    /// Two steps: `fit` reads what `prepare` wrote. Each says on stdout that it ran. `b` is a
    /// param no step uses.
    static func recipe(vars: String = "{PYTHONHASHSEED: \"0\"}", probe: String = "cat probe.txt") -> String {
        """
        version: 1
        seed: 1
        params: {a: 1, b: 2}
        environment:
          vars: \(vars)
          probes: {tool: \(probe)}
        steps:
          prepare:
            run: echo EXECUTED prepare && mkdir -p out && echo prepared {{params.a}} > out/prepared.txt
            outputs: [out/prepared.txt]
          fit:
            run: "echo EXECUTED fit && cat out/prepared.txt > out/model.txt && echo fitted >> out/model.txt && echo '{\\"score\\": 1}' > out/metrics.json"
            inputs: [out/prepared.txt]
            outputs: [out/model.txt]
            metrics: [out/metrics.json]

        """
    }

    static func project() throws -> TemporaryGitRepository {
        try RunCommandTests.project(recipe(), files: ["probe.txt": "tool 1.0\n"])
    }

    /// Runs `r` and returns which steps executed (said so on stdout) and the run's id.
    static func run(_ repo: TemporaryGitRepository, _ arguments: [String] = []) throws -> (executed: [String], id: String) {
        let result = try repo.recipe(["run", "r"] + arguments)
        guard result.status == 0 else { throw CommandFailure(command: "git recipe run r", result: result) }
        let executed = result.stdout.split(separator: "\n").filter { $0.hasPrefix("EXECUTED ") }.map { String($0.dropFirst(9)) }
        let id = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("run ") }?.split(separator: " ")[1])
        return (executed, String(id))
    }

    static func manifest(_ repo: TemporaryGitRepository, _ id: String) throws -> RunManifest {
        let document = try #require(RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", "HEAD")).documents.first { $0.id == id })
        return try RunManifest(decoding: document.text)
    }

    static func commit(_ repo: TemporaryGitRepository, recipe: String, _ message: String) throws {
        try repo.write(".recipes/r.yaml", recipe)
        let lock = try repo.recipe("lock")
        #expect(lock.status == 0, "\(lock)")
        try repo.commitAll(message)
    }

    @Test func anUnchangedPipelineIsRestoredAndRecordedAsCached() throws {
        let repo = try Self.project()
        let first = try Self.run(repo)
        #expect(first.executed == ["prepare", "fit"])
        let model = try repo.read("out/model.txt")
        let second = try Self.run(repo)
        #expect(second.executed.isEmpty, "every step restored")
        #expect(try repo.read("out/model.txt") == model)
        let manifest = try Self.manifest(repo, second.id)
        #expect(manifest.steps.map(\.cached) == [.init(run: first.id, step: "prepare"), .init(run: first.id, step: "fit")])
        #expect(manifest.steps.map(\.key) == (try Self.manifest(repo, first.id)).steps.map(\.key))
        #expect(manifest.metrics == ["score": 1], "the metrics are read from the restored file")
        let logs = try repo.recipe("logs", second.id, "fit")
        #expect(logs.stdout.contains("restored from the step cache: the outputs of run \(first.id), step fit"), "\(logs)")
        #expect(try Self.run(repo, ["--no-cache"]).executed == ["prepare", "fit"])
    }

    @Test func aParamTheStepsUseMissesAndOneTheyDoNotHits() throws {
        let repo = try Self.project()
        _ = try Self.run(repo)
        #expect(try Self.run(repo, ["-p", "b=5"]).executed.isEmpty)
        #expect(try Self.run(repo, ["-p", "a=5"]).executed == ["prepare", "fit"], "fit reads what prepare wrote")
        #expect(try Self.run(repo, ["--seed", "2"]).executed == ["prepare", "fit"], "the seed is in every key")
    }

    @Test func aStepThatReadsParamsFromItsEnvironmentMissesOnAnyParam() throws {
        let repo = try RunCommandTests.project(
            Self.recipe().replacingOccurrences(of: "echo prepared {{params.a}}", with: "echo prepared \"$RECIPE_PARAM_B\""),
            files: ["probe.txt": "tool 1.0\n"])
        _ = try Self.run(repo)
        #expect(try Self.run(repo, ["-p", "b=5"]).executed == ["prepare", "fit"])
    }

    @Test func aStepWithADirectoryInputMissesOnAnyParam() throws {
        // A script in the directory could read RECIPE_PARAM_B; directories are not searched.
        let repo = try RunCommandTests.project(
            Self.recipe().replacingOccurrences(of: "    outputs: [out/prepared.txt]", with: "    inputs: [src/]\n    outputs: [out/prepared.txt]"),
            files: ["probe.txt": "tool 1.0\n", "src/tool.sh": "echo \"$RECIPE_PARAM_B\"\n"])
        _ = try Self.run(repo)
        #expect(try Self.run(repo).executed.isEmpty)
        #expect(try Self.run(repo, ["-p", "b=5"]).executed == ["prepare"], "fit's input is unchanged, so fit hits")
    }

    @Test(arguments: ["vars", "probe"])
    func eachEnvironmentIngredientIsInTheKey(ingredient: String) throws {
        let repo = try Self.project()
        _ = try Self.run(repo)
        switch ingredient {
        case "vars":
            try Self.commit(repo, recipe: Self.recipe(vars: "{PYTHONHASHSEED: \"1\"}"), "vars")
            #expect(try Self.run(repo).executed == ["prepare", "fit"])
        default:
            try repo.write("probe.txt", "tool 2.0\n")
            try repo.commitAll("a new tool")
            #expect(try Self.run(repo, ["--allow-drift", "--refresh-probes"]).executed == ["prepare", "fit"])
        }
    }

    @Test func aDamagedObjectIsNotRestoredAndTheStepRuns() throws {
        let repo = try Self.project()
        let first = try Self.run(repo)
        let recorded = try #require(try Self.manifest(repo, first.id).outputs["out/model.txt"]?.digest)
        let digest = try #require(ContentDigest(recorded))
        let object = "\(repo.path)/.git/recipes/objects/sha256/\(digest.hex.prefix(2))/\(digest.hex.dropFirst(2))"
        chmod(object, 0o644)
        try "damaged\n".write(toFile: object, atomically: false, encoding: .utf8)
        let result = try repo.recipe("run", "r")
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("step 'fit' could not be restored from run \(first.id)"), "\(result)")
        #expect(result.stdout.contains("EXECUTED fit") && !result.stdout.contains("EXECUTED prepare"), "\(result)")
        #expect(try repo.read("out/model.txt") == "prepared 1\nfitted\n")
    }

    @Test func aReproductionNeverUsesTheCache() throws {
        let repo = try Self.project()
        let first = try Self.run(repo)
        let result = try repo.recipe("reproduce", first.id)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("EXECUTED prepare") && result.stdout.contains("EXECUTED fit"), "\(result)")
    }

    @Test func aDamagedIndexIsRebuiltFromTheNotes() throws {
        let repo = try Self.project()
        _ = try Self.run(repo)
        // What a process killed while writing could leave, if the write were not atomic.
        try "{\"version\": 1, \"notes\": {".write(toFile: "\(repo.path)/.git/recipes/step-index", atomically: false, encoding: .utf8)
        #expect(try Self.run(repo).executed.isEmpty)
        #expect(try Self.run(repo).executed.isEmpty, "and the rebuilt index serves the next run")
    }
}
