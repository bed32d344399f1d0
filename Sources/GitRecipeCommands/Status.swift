import ArgumentParser
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe status [RECIPE…]`: per recipe, whether its lock is fresh and which probes drifted.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which locks are fresh or stale, which probes drifted, and whether HEAD has a run for the lock."
        )

        /// The recipes to report on; every recipe when none.
        @Argument(help: "Recipes to show (default: all in .recipes/).")
        var recipes: [String] = []

        /// Whether probe outputs may come from the probe cache.
        @OptionGroup var probes: ProbeOptions

        /// Prints each recipe's lock state and its last run.
        func run() throws {
            let session = try LockSession(recipes: recipes, probes: probes.mode, fetchingSources: false)
            defer { session.end() }
            let pipelines = session.project.pipelines
            let history = try RunHistory(repository: session.repository)
            let headRuns = try session.repository.head().map { try history.runs(on: $0.commit) }
            for (pipeline, fresh) in zip(pipelines, try session.locker.locks(pipelines)) {
                let name = pipeline.recipe.name
                let state = try session.locker.state(of: name, against: fresh, files: session.files)
                var line = Self.line(name, state)
                if state == .fresh, let headRuns {
                    let runs = headRuns.filter {
                        $0.recipe == name && $0.lock == fresh.digest.description && $0.status == RunStatus.succeeded.rawValue
                    }.count
                    line +=
                        runs == 0
                        ? "; no succeeded run on HEAD for this lock (git recipe run \(name))"
                        : "; \(runs) succeeded run\(runs == 1 ? "" : "s") on HEAD for this lock"
                }
                // HEAD's runs first (the common case, and cheap); the whole history only when
                // the outputs came from none of them.
                var origin = try OutputOrigin.of(pipeline, in: session.repository, locker: session.locker, among: headRuns ?? [])
                if origin == .unrecorded {
                    origin = try OutputOrigin.of(pipeline, in: session.repository, locker: session.locker, among: try history.allRuns())
                }
                switch origin {
                case .absent: break
                case .run(let id): line += "\n  outputs: run \(id)'s"
                case .unrecorded: line += "\n  outputs: from no recorded run (git recipe checkout RUN restores a run's)"
                }
                print(line)
            }
            try session.finish()
        }

        /// One aligned `NAME  STATE` line.
        static func line(_ recipe: String, _ state: LockState) -> String {
            switch state {
            case .fresh:
                return "\(recipe): lock fresh"
            case .missing:
                return "\(recipe): no lock (git recipe lock \(recipe))"
            case .untrusted:
                return "\(recipe): lock cannot be trusted (git recipe lock --check \(recipe) says why)"
            case .stale(let changes):
                let drifted = changes.filter(\.isProbe)
                var line =
                    "\(recipe): lock stale, \(changes.count) change\(changes.count == 1 ? "" : "s") (git recipe lock --check \(recipe) lists them)"
                if !drifted.isEmpty { line += "\n  probes drifted: " + drifted.map(\.description).joined(separator: "; ") }
                return line
            }
        }
    }
}
