import ArgumentParser
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe lock [RECIPE…] [--check]`: write locks, or check they are fresh.
    struct Lock: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin every input, parameter and the environment in .recipes/NAME.lock.",
            discussion: "With --check, write nothing: exit 1 and say exactly what changed for each stale lock."
        )

        @Argument(help: "Recipes to lock (default: all in .recipes/).")
        var recipes: [String] = []

        @Flag(help: "Check that the locks are fresh instead of writing them.")
        var check = false

        @OptionGroup var probes: ProbeOptions

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

/// What every command that computes locks sets up: the repository, the validated project,
/// progress on a terminal, and the locker with its hash cache.
struct LockSession {
    let repository: Repository
    let files: WorkingTreeFiles
    let project: Project
    let locker: Locker
    private let progress: HashProgress?

    init(recipes: [String], probes: ProbeMode) throws {
        repository = try Repository.discover()
        files = WorkingTreeFiles(root: repository.workTree)
        project = try Project.load(from: files, recipes: recipes)
        Terminal.standardError.write(project.warnings.map { "\($0)\n" }.joined())
        progress = HashProgress.forTerminal()
        locker = try Locker(repository: repository, progress: progress, probes: probes)
        if let warning = locker.cacheWarning { Terminal.standardError.write("warning: \(warning)\n") }
    }

    /// Saves the hash cache.
    func finish() throws {
        try locker.finish()
    }

    /// Stops progress output, however the command ends.
    func end() {
        progress?.finish()
    }
}

/// `--refresh-probes`, for every command that reads probe outputs.
struct ProbeOptions: ParsableArguments {
    @Flag(help: "Run every probe instead of taking its output from the probe cache (.git/recipes/probe-cache).")
    var refreshProbes = false

    var mode: ProbeMode { refreshProbes ? .refreshed : .cached }
}

/// Locks that are not what their recipes need: exit 1, one block per recipe.
struct StaleLocks: RecipeError {
    let reports: [String]

    var exitStatus: ExitStatus { .checkFailed }
    var description: String { reports.joined(separator: "\n") }
    var report: String { reports.map { "error: \($0)" }.joined(separator: "\n") }

    /// The block for one recipe, or `nil` when its lock is fresh.
    static func report(_ recipe: String, _ state: LockState) -> String? {
        let fix = "run: git recipe lock \(recipe)"
        switch state {
        case .fresh:
            return nil
        case .missing:
            return "no lock for '\(recipe)' (\(Lockfile.path(for: recipe)) does not exist); \(fix)"
        case .untrusted(let error):
            return error.description
        case .stale(let changes):
            return "stale lock for '\(recipe)' (\(Lockfile.path(for: recipe))):\n"
                + changes.map { "  \($0)\n" }.joined() + "  \(fix)"
        }
    }
}
