import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe run RECIPE`: refuse unless the tree is a clean commit and the lock is
    /// fresh; run; record the run as a note on the commit.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a recipe from a clean commit and record its provenance as a git note.",
            discussion: """
                Exit status: 0 succeeded, 1 refused (dirty tree, stale lock), 2 invalid input, \
                3 a step failed (the run is still recorded), 130 interrupted (recorded as cancelled).
                """
        )

        @Argument(help: "The recipe to run.")
        var recipe: String

        @Option(name: .customShort("p"), help: ArgumentHelp("Override a param: -p lr=0.1, -p optim.momentum=0.9.", valueName: "NAME=VALUE"))
        var params: [String] = []

        @Option(help: "Run with this seed instead of the recipe's.")
        var seed: Int?

        @Option(help: ArgumentHelp("One run per seed, as a sweep: 0..4 or 1,7,42.", valueName: "SEEDS"))
        var seeds: String?

        @Option(help: ArgumentHelp(Executor.help))
        var executor: String?

        @Flag(help: "Print the plan (steps in order, with their commands) and run nothing.")
        var dryRun = false

        @Flag(help: "Run even though probes differ from the lock, and record the drift.")
        var allowDrift = false

        func validate() throws {
            if seed != nil && seeds != nil { throw ValidationError("give --seed or --seeds, not both") }
        }

        @OptionGroup var probes: ProbeOptions

        func run() throws {
            let repository = try Repository.discover()
            let files = WorkingTreeFiles(root: repository.workTree)
            let project = try Project.load(from: files, recipes: [recipe])
            Terminal.standardError.write(project.warnings.map { "\($0)\n" }.joined())
            let pipeline = project.pipelines[0]
            let cluster = try Executor.cluster(named: executor, repository: repository, config: project.config, connect: !dryRun)
            let settings = try RunSettings(recipe: pipeline.recipe, assignments: params, seed: seed, seeds: seeds)
            let locker = try Locker(repository: repository, probes: probes.mode)
            let runner = Runner(repository: repository, pipeline: pipeline, locker: locker, files: files)
            if dryRun {
                try printPlan(runner, settings)
                return
            }
            let preflight = try runner.preflight(allowDrift: allowDrift)
            for change in preflight.drift { Terminal.standardError.write("warning: probe drift recorded: \(change)\n") }
            let sweep = settings.seeds.count > 1 ? "sweep-" + UUID().uuidString.prefix(8).lowercased() : nil
            var worst = ExitStatus.success
            for seed in settings.seeds {
                let outcome = try runner.run(settings, seed: seed, sweep: sweep, preflight: preflight, on: cluster)
                report(outcome, seed: seed, commit: preflight.commit.commit.hex)
                switch outcome.status {
                case .succeeded: break
                case .failed: worst = .stepFailed
                case .cancelled: throw RunEnded(status: .interrupted, message: "interrupted: run \(outcome.id) was recorded as cancelled")
                }
            }
            try locker.finish()
            if worst != .success { throw RunEnded(status: worst, message: "a step failed; the run is recorded (git recipe logs RUN shows the logs)") }
        }

        private func printPlan(_ runner: Runner, _ settings: RunSettings) throws {
            for seed in settings.seeds {
                print("plan for '\(recipe)' with seed \(seed):")
                for (index, step) in try runner.plan(settings, seed: seed).enumerated() {
                    print("  \(index + 1). \(step.step): \(step.command)")
                }
            }
        }

        private func report(_ outcome: Runner.Outcome, seed: Int, commit: String) {
            let metrics = outcome.metrics.keys.sorted().map { "\($0)=\(outcome.metrics[$0]!)" }.joined(separator: ", ")
            print("run \(outcome.id) \(outcome.status.rawValue) in \(String(format: "%.1f", outcome.seconds)) s (recipe \(recipe), seed \(seed))")
            if !metrics.isEmpty { print("  metrics: \(metrics)") }
            print("  recorded on \(commit.prefix(12)); show it: git notes --ref=recipes show \(commit.prefix(12))")
        }
    }
}

/// Where steps run. The executor comes from --executor, else `git config recipe.executor`,
/// else `executors.default` in .recipes/config.yaml. `nil` runs locally; a Slurm cluster
/// must be reachable before anything runs — a run never quietly goes elsewhere.
enum Executor {
    static let help = "Where steps run: local, or slurm (each step a batch job). Default: git config recipe.executor, else executors.default."

    static func cluster(named option: String?, repository: Repository, config: ProjectConfig, connect: Bool = true) throws -> SlurmCluster? {
        let (name, source): (String, String) = if let option {
            (option, "--executor")
        } else if let configured = try repository.config("recipe.executor") {
            (configured, "git config recipe.executor")
        } else {
            (config.defaultExecutor, "executors.default in \(ProjectConfig.file)")
        }
        switch name {
        case "local": return nil
        case "slurm": return connect ? try SlurmCluster(settings: config.slurm) : nil
        default: throw RunInputError.unknownExecutor(name, source: source)
        }
    }
}

/// A run that ended otherwise than in success, after being recorded.
struct RunEnded: RecipeError {
    let status: ExitStatus
    let message: String

    var exitStatus: ExitStatus { status }
    var description: String { message }
}
