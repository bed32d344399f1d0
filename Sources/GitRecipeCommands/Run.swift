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

        /// The recipe to run.
        @Argument(help: "The recipe to run.")
        var recipe: String

        /// `-p NAME=VALUE` overrides.
        @Option(name: .customShort("p"), help: ArgumentHelp("Override a param: -p lr=0.1, -p optim.momentum=0.9.", valueName: "NAME=VALUE"))
        var params: [String] = []

        /// The seed instead of the recipe's.
        @Option(help: "Run with this seed instead of the recipe's.")
        var seed: Int?

        /// Seeds for a sweep: one run each.
        @Option(help: ArgumentHelp("One run per seed, as a sweep: 0..4 or 1,7,42.", valueName: "SEEDS"))
        var seeds: String?

        /// Grid axes: every combination runs, on every seed.
        @Option(
            help: ArgumentHelp(
                "Run a grid: every combination of the values each --grid gives, on every seed (with the recipe's grid:).",
                valueName: "NAME=V1,V2"))
        var grid: [String] = []

        /// Run a grid larger than `RunGrid.confirmationThreshold` runs.
        @Flag(help: "Run a grid even when it makes more than 1,000 runs.")
        var yes = false

        /// Where the steps run.
        @Option(help: ArgumentHelp(ExecutorHelp.text))
        var executor: String?

        /// Cores the steps may use at once.
        @Option(
            name: [.customShort("j"), .long],
            help: ArgumentHelp("Run ready steps at once on up to N cores (default: all of this machine's); -j 1 runs one at a time.", valueName: "N"))
        var jobs: Int?

        /// Stop every step when one fails.
        @Flag(help: "When a step fails, stop the steps running alongside it and start no other.")
        var failFast = false

        /// Print the plan and run nothing.
        @Flag(help: "Print the plan (steps in order, with their commands) and run nothing.")
        var dryRun = false

        /// Run every step, even one the step cache could restore.
        @Flag(help: "Run every step, even one whose outputs a recorded run with the same key left in the store.")
        var noCache = false

        /// Run the work tree as it is, committed to a snapshot ref.
        @Flag(
            help: ArgumentHelp(
                "Run the work tree as it is: commit it (tracked changes, untracked files, a fresh lock) to refs/recipes/snapshots/ID "
                    + "with HEAD as parent, and run that commit in a scratch worktree. No branch, index or file of yours changes; "
                    + "git recipe promote RUN makes it a commit of your branch."))
        var snapshot = false

        /// The snapshot commit's message.
        @Option(name: [.customShort("m"), .long], help: "With --snapshot: the snapshot commit's message.")
        var message: String?

        /// Run even though probes drifted, and record the drift.
        @Flag(help: "Run even though probes differ from the lock, and record the drift.")
        var allowDrift = false

        /// Refuses `--seed` with `--seeds`.
        func validate() throws {
            if seed != nil && seeds != nil { throw ValidationError("give --seed or --seeds, not both") }
            if let jobs, jobs < 1 { throw ValidationError("-j must be at least 1 (the cores steps may use at once), not \(jobs)") }
            if message != nil && !snapshot { throw ValidationError("--message names a snapshot's commit; give it with --snapshot") }
        }

        /// Whether probe outputs may come from the probe cache.
        @OptionGroup var probes: ProbeOptions

        /// Runs the recipe once per seed from a clean commit and records each run; the exit status says how the worst one ended.
        func run() throws {
            let repository = try Repository.discover()
            let files = WorkingTreeFiles(root: repository.workTree)
            _ = try Components.Fetch.fetchMissing(in: repository)
            let project = try Project.load(from: files, recipes: [recipe])
            Terminal.standardError.write(project.warnings.map { "\($0)\n" }.joined())
            let pipeline = project.pipelines[0]
            let choice = try ExecutorChoice(option: executor, repository: repository, config: project.config)
            // Connected before anything else is checked: a run never quietly goes elsewhere.
            let executor = dryRun ? nil : try choice.executor(config: project.config, jobs: jobs, failFast: failFast)
            let settings = try RunSettings(recipe: pipeline.recipe, assignments: params, seed: seed, seeds: seeds)
            let grid = try RunGrid(recipe: pipeline.recipe, axes: self.grid, base: settings, confirmed: yes)
            let locker = try Locker(repository: repository, probes: probes.mode)
            if let executor, snapshot,
                let taken = try Snapshot.take(
                    of: repository, pipeline: pipeline, locker: locker, message: message, largeFile: project.config.snapshots.maxFileSize)
            {
                for (path, bytes) in taken.large {
                    Terminal.standardError.write(
                        "warning: snapshot: '\(path)' is \(ByteCount.text(bytes)), over snapshots.max_file_size; it is committed to the "
                            + "snapshot all the same: if it is data, ignore it (.gitignore) and declare it as an input\n")
                }
                Terminal.standardError.write(
                    "snapshot \(taken.id): the work tree (\(taken.changed.count) path\(taken.changed.count == 1 ? "" : "s") changed) at \(taken.ref)\n"
                )
                let outcomes = try taken.run(recipe, from: repository, allowDrift: allowDrift, events: Terminal.show) { runner, preflight in
                    try execute(runner, preflight, settings: settings, grid: grid, on: executor)
                }
                try locker.finish()
                try report(outcomes, repository: repository, pipeline: pipeline)
                return
            } else if snapshot, !dryRun {
                Terminal.standardError.write("nothing to snapshot: the work tree holds what HEAD does; running HEAD\n")
            }
            let runner = Runner(
                repository: repository, pipeline: pipeline, locker: locker, files: files, artifacts: project.config.artifacts,
                events: Terminal.show)
            guard let executor else {
                for point in grid?.points ?? [.init(values: [], settings: settings)] {
                    try printPlan(runner, point, slurm: choice == .slurm ? project.config.slurm : nil, workTree: repository.workTree)
                }
                return
            }
            let outcomes = try execute(runner, try runner.preflight(allowDrift: allowDrift), settings: settings, grid: grid, on: executor)
            try locker.finish()
            try report(outcomes, repository: repository, pipeline: pipeline)
        }

        /// Runs every seed (of every grid point) with `runner`, after telling of probe drift.
        private func execute(
            _ runner: Runner, _ preflight: Runner.Preflight, settings: RunSettings, grid: RunGrid?, on executor: any StepExecutor
        ) throws -> [Runner.Outcome] {
            for change in preflight.drift { Terminal.standardError.write("warning: probe drift recorded: \(change)\n") }
            return try grid.map { try runner.grid($0, preflight: preflight, on: executor, useCache: !noCache) }
                ?? runner.sweep(settings, preflight: preflight, on: executor, useCache: !noCache)
        }

        /// Prints a grid's table; throws the exit status the worst run calls for.
        private func report(_ outcomes: [Runner.Outcome], repository: Repository, pipeline: Pipeline) throws {
            if let id = outcomes.first?.grid {
                let history = try RunHistory(repository: repository)
                let table = GridTable(try history.select(id).runs, keyMetrics: pipeline.recipe.tolerance.keys.sorted())
                print(table?.markdown ?? "", terminator: "")
            }
            if let cancelled = outcomes.first(where: { $0.status == .cancelled }) {
                throw RunEnded(status: .interrupted, message: "interrupted: run \(cancelled.id) was recorded as cancelled")
            }
            if outcomes.contains(where: { $0.status == .failed }) {
                throw RunEnded(status: .stepFailed, message: "a step failed; the run is recorded (git recipe logs RUN shows the logs)")
            }
        }

        /// Prints each seed's steps with the commands they would run (at a grid's `point`);
        /// for Slurm, then the `sbatch` lines that would submit them.
        private func printPlan(_ runner: Runner, _ point: RunGrid.Point, slurm: ProjectConfig.Slurm?, workTree: String) throws {
            for seed in point.settings.seeds {
                let plan = try runner.plan(point.settings, seed: seed)
                print("plan for '\(recipe)' with seed \(seed)\(point.values.isEmpty ? "" : " at \(point.label)"):")
                for (index, step) in plan.steps.enumerated() {
                    print("  \(index + 1). \(step.name): \(step.command)")
                }
                guard let slurm else { continue }
                print("submitted to slurm as (RUN_ID is the run's id):")
                for line in SlurmCluster.submissions(of: plan, recipe: recipe, workTree: workTree, settings: slurm) { print("  \(line)") }
            }
        }
    }
}
