import ArgumentParser
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe lock [RECIPE…] [--check]`: write locks, or check they are fresh.
    struct Lock: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin every input, parameter and the environment in .recipes/NAME.lock.",
            discussion: "With --check, write nothing: exit 1 and say exactly what changed for each stale lock."
        )

        /// The recipes to lock; every recipe when none.
        @Argument(help: "Recipes to lock (default: all in .recipes/).")
        var recipes: [String] = []

        /// Only say whether the locks are fresh; write nothing.
        @Flag(help: "Check that the locks are fresh instead of writing them.")
        var check = false

        /// Whether probe outputs may come from the probe cache.
        @OptionGroup var probes: ProbeOptions

        /// Writes each recipe's lock, or with `--check` reports the stale ones and writes nothing.
        func run() throws {
            // What a lock pins must not vary run to run: writing one runs each probe twice.
            let session = try LockSession(recipes: recipes, probes: check ? probes.mode : .checkedTwice)
            defer { session.end() }
            var stale: [String] = []
            let pipelines = session.project.pipelines
            for (pipeline, fresh) in zip(pipelines, try session.locker.locks(pipelines)) {
                let name = pipeline.recipe.name
                if check {
                    let state = try session.locker.state(of: name, against: fresh, files: session.files)
                    if let report = StaleLocks.report(name, state) { stale.append(report) } else { print("\(name): lock is fresh") }
                } else if try session.locker.write(fresh, for: name) {
                    print("\(name): wrote \(Lockfile.path(for: name))")
                } else {
                    print("\(name): lock is up to date")
                }
            }
            try session.finish()
            if !stale.isEmpty { throw StaleLocks(reports: stale) }
        }
    }
}
