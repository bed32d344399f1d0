import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// `git recipe run` through the real git CLI: preconditions, steps, the note it writes.
@Suite("git recipe run")
struct RunCommandTests {
    /// A committed, locked repository holding `recipe` as `.recipes/r.yaml`.
    static func project(_ recipe: String, files: [String: String] = [:], ignore: String = "out/\n") throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        try repo.write(".gitignore", ignore)
        try repo.write(".recipes/r.yaml", recipe)
        for (path, contents) in files { try repo.write(path, contents) }
        try repo.commitAll("recipe")
        let lock = try repo.recipe("lock")
        guard lock.status == 0 else { throw CommandFailure(command: "git recipe lock", result: lock) }
        try repo.commitAll("lock")
        return repo
    }

    static let echo = """
        version: 1
        seed: 42
        params: {lr: 0.01, msg: hello, optim: {momentum: 0.9}}
        steps:
          write:
            run: mkdir -p out && printf '%s|%s|%s' {{params.msg}} "$RECIPE_SEED" "$RECIPE_PARAM_OPTIM_MOMENTUM" > out/msg.txt && echo to-stdout && echo to-stderr >&2
            outputs: [out/msg.txt]
          score:
            needs: [write]
            run: |
              mkdir -p out && printf '{"acc": %s, "nested": {"loss": 0.5}, "name": "x"}' {{params.lr}} > out/metrics.json
            metrics: [out/metrics.json]

        """

    func notes(_ repo: TemporaryGitRepository, on revision: String = "HEAD") throws -> RunNote {
        RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", revision))
    }

    @Test func aRunIsRecordedAsANoteThatGitReadsBack() throws {
        let repo = try Self.project(Self.echo)
        let result = try repo.recipe("run", "r")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("to-stdout\n"))
        #expect(result.stderr.contains("to-stderr\n"))
        #expect(try repo.read("out/msg.txt") == "hello|42|0.9")
        let note = try notes(repo)
        #expect(note.documents.count == 1)
        let document = note.documents[0].text
        let head = try repo.git("rev-parse", "HEAD")
        #expect(document.hasPrefix("schema: git-recipe/run/v1\nid: \"\(note.documents[0].id)\"\nrecipe: r\nstatus: succeeded\ncommit: "))
        // A hash that starts with a digit is quoted, so YAML does not read it as a number.
        #expect(document.contains("\ncommit: \(head)\n") || document.contains("\ncommit: \"\(head)\"\n"))
        #expect(document.contains("\nmetrics:\n  acc: 0.01\n  nested.loss: 0.5\n"))
        #expect(document.contains("  out/msg.txt:\n    digest: sha256:\(try opensslSHA256("\(repo.path)/out/msg.txt"))\n    bytes: 12\n"))
        #expect(document.contains("\nseed: 42\n"))
        #expect(document.contains("\nexecutor:\n  kind: local\n"))
        #expect(try repo.git("log", "--notes=recipes", "-1").contains("    status: succeeded"))
        #expect(try run("git", ["fsck", "--strict"], in: repo.path, environment: repo.environment).status == 0)
        let logs = try repo.recipe("logs", note.documents[0].id, "write")
        #expect(logs.stdout == "to-stdout\nto-stderr\n" || logs.stdout == "to-stderr\nto-stdout\n")
    }

    @Test func overridesAndSweepsAreRecorded() throws {
        let repo = try Self.project(Self.echo)
        let result = try repo.recipe("run", "r", "-p", "lr=0.5", "-p", "optim.momentum=1", "--seeds", "3..5")
        #expect(result.status == 0, "\(result)")
        let documents = try notes(repo).documents.map(\.text)
        #expect(documents.count == 3)
        #expect(documents.allSatisfy { $0.contains("\noverrides:\n  lr: 0.5\n  optim.momentum: 1.0\n") })
        #expect(documents.map { $0.contains("\nseed: 3\n") || $0.contains("\nseed: 4\n") || $0.contains("\nseed: 5\n") } == [true, true, true])
        let sweeps = Set(documents.compactMap { $0.split(separator: "\n").first { $0.hasPrefix("sweep: ") } })
        #expect(sweeps.count == 1, "the runs of one --seeds share a sweep id")
        let log = try repo.recipe("log", "--expand")
        #expect(log.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.contains("(-p lr=0.5 -p optim.momentum=1.0)") }, "\(log)")
        let sweep = try #require(sweeps.first).dropFirst("sweep: ".count)
        for name in [String(sweep), "HEAD:r", String(try notes(repo).documents[0].id.suffix(8))] {
            let logs = try repo.recipe("logs", name, "write")
            #expect(logs.status == 0, "logs takes \(name) as show does: \(logs)")
            #expect(logs.stdout.contains("to-stdout"), "\(logs)")
        }
    }

    /// A project whose one step writes `json` as its metrics file.
    static func metricsProject(_ json: String) throws -> TemporaryGitRepository {
        try project(
            """
            version: 1
            seed: 1
            steps:
              s:
                run: |
                  mkdir -p out && printf '\(json)' > out/m.json
                outputs: [out/m.json]
                metrics: [out/m.json]

            """)
    }

    /// Python's json.dump writes NaN and Infinity; they used to vanish and the run succeed.
    @Test func eachStepRecordsTheCPUTimeAndPeakMemoryItUsed() throws {
        // The shell waits for python, so python's use counts as the step's.
        let repo = try Self.project(
            """
            version: 1
            seed: 1
            steps:
              grow: {run: "python3 -c 'b = bytearray(96 << 20); s = sum(range(4_000_000))'"}

            """)
        let result = try repo.recipe("run", "r")
        #expect(result.status == 0, "\(result)")
        let manifest = try RunManifest(decoding: try notes(repo).documents[0].text)
        let usage = try #require(manifest.steps[0].usage)
        #expect(usage.cpuSeconds > 0.05, "\(usage)")
        #expect(usage.peakMemory >= 96 << 20, "\(usage)")
        #expect(try repo.recipe("show", manifest.id, "--format", "markdown").stdout.contains(" MiB |"))
    }

    @Test func nonFiniteMetricsAreRecordedAndCollidingNamesRefused() throws {
        let repo = try Self.metricsProject(#"{"loss": NaN, "grad": {"max": Infinity, "min": -Infinity}, "acc": 0.5}"#)
        #expect(try repo.recipe("run", "r").status == 0)
        let document = try notes(repo).documents[0].text
        #expect(document.contains("\nmetrics:\n  acc: 0.5\n  grad.max: .inf\n  grad.min: -.inf\n  loss: .nan\n"), "\(document)")
        #expect(try repo.recipe("log").stdout.contains("loss=nan"))

        let result = try Self.metricsProject(#"{"a.b": 1, "a": {"b": 2}}"#).recipe("run", "r")
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("metric 'a.b' is given twice, by 'a.b' and by 'a' → 'b'"), "\(result)")
    }

    @Test func aShellMetacharacterParamRunsAsALiteralString() throws {
        let repo = try Self.project(Self.echo)
        let hostile = "$(touch pwned); echo 'quoted' \"double\" `id` \n next"
        let dryRun = try repo.recipe("run", "r", "--dry-run", "-p", "msg=\(hostile)")
        #expect(dryRun.status == 0)
        #expect(dryRun.stdout.contains("printf '%s|%s|%s' '$(touch pwned); echo '\\''quoted'\\'' \"double\" `id` \n next'"))
        #expect(
            try run("git", ["notes", "--ref=recipes", "list"], in: repo.path, environment: repo.environment).stdout.isEmpty,
            "a dry run records nothing")
        let result = try repo.recipe("run", "r", "-p", "msg=\(hostile)")
        #expect(result.status == 0, "\(result)")
        #expect(try repo.read("out/msg.txt") == "\(hostile)|42|0.9")
        #expect(!repo.directory.exists("pwned"))
    }

    @Test func refusesADirtyTreeOrAStaleLockAndSaysHowToFix() throws {
        let repo = try Self.project(Self.echo)
        try repo.write("notes.txt", "scratch")
        var result = try repo.recipe("run", "r")
        #expect(result.status == 1)
        #expect(
            result.stderr == """
                error: runs start only from a clean commit, and this working tree is not one:
                  untracked: notes.txt
                commit the changes (git add -A && git commit), stash them (git stash -u), or run them as a snapshot commit (git recipe run --snapshot r); outputs belong in .gitignore

                """)
        try repo.write(".recipes/r.yaml", Self.echo.replacingOccurrences(of: "lr: 0.01", with: "lr: 0.02"))
        try repo.commitAll("change lr, forget the lock")
        result = try repo.recipe("run", "r")
        #expect(result.status == 1)
        #expect(
            result.stderr == """
                error: the lock of 'r' is stale:
                  param 'lr': 0.01 → 0.02
                run: git recipe lock r && git add .recipes/r.lock && git commit

                """)
        #expect(try run("git", ["notes", "--ref=recipes", "list"], in: repo.path, environment: repo.environment).stdout.isEmpty)
    }

    @Test func probeDriftRefusesUnlessAllowedAndIsThenRecorded() throws {
        let recipe = Self.echo.replacingOccurrences(of: "seed: 42\n", with: "seed: 42\nenvironment: {probes: {tool: cat out/tool}}\n")
        let repo = try TemporaryGitRepository()
        try repo.write(".gitignore", "out/\n")
        try repo.write(".recipes/r.yaml", recipe)
        try repo.write("out/tool", "tool 1\n")
        try repo.commitAll("recipe")
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("lock")
        try repo.write("out/tool", "tool 2\n")
        let refused = try repo.recipe("run", "r")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("only probes drifted: this machine differs from the locked one; record that with --allow-drift"))
        let allowed = try repo.recipe("run", "r", "--allow-drift")
        #expect(allowed.status == 0, "\(allowed)")
        #expect(allowed.stderr.contains("warning: probe drift recorded: probe 'tool': 'tool 1' → 'tool 2'"))
        #expect(try notes(repo).documents[0].text.contains("  drift:\n    - \"probe 'tool': 'tool 1' → 'tool 2'\"\n"))
    }

    @Test func badParamsAndSeedsAreInvalidInput() throws {
        let repo = try Self.project(Self.echo)
        for (arguments, message) in [
            (["-p", "lrr=1"], "error: recipe 'r' has no param 'lrr'; did you mean 'lr'?; params: lr, msg, optim.momentum\n"),
            (["-p", "lr=fast"], "error: param 'lr' is a number, and 'fast' is not\n"),
            (["-p", "lr"], "error: '-p lr' is not an assignment; write -p NAME=VALUE, like -p lr=0.1\n"),
            (["--seeds", "1..x"], "error: --seeds '1..x' is neither a range like 0..4 nor a list like 1,7,42\n"),
        ] {
            let result = try repo.recipe(["run", "r"] + arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr == message)
        }
    }

    /// Steps that break the rules: each fails the run (exit 3), which is still recorded.
    static let misbehaving: [(String, String, String)] = [
        ("a failing command", "exit 7", "its command exited with status 7"),
        (
            "a file outside its outputs", "mkdir -p out && touch out/x stray.txt",
            "it changed the working tree outside its declared outputs (untracked: stray.txt)"
        ),
        (
            "a deleted tracked file", "mkdir -p out && touch out/x && rm tracked.txt",
            "it changed the working tree outside its declared outputs (modified: tracked.txt)"
        ),
        ("a missing output", "true", "it did not write its declared output 'out/x'"),
        (
            "a new tag", "mkdir -p out && touch out/x && git tag sneaky",
            "it changed the repository: ref refs/tags/sneaky was created; a step may not commit, stage or move refs"
        ),
        ("a commit", "mkdir -p out && touch out/x && git commit -q --allow-empty -m sneaky", "it changed the repository: HEAD moved from"),
        (
            "a staged mode change", "mkdir -p out && touch out/x && git update-index --chmod=+x tracked.txt",
            "it changed the working tree outside its declared outputs (staged: tracked.txt)"
        ),
    ]

    @Test(arguments: 0..<misbehaving.count)
    func aMisbehavingStepFailsTheRunWhichIsStillRecorded(index: Int) throws {
        let (_, command, problem) = Self.misbehaving[index]
        let repo = try Self.project(
            """
            version: 1
            seed: 1
            steps:
              bad: {run: "\(command)", outputs: [out/x]}
              after: {needs: [bad], run: "true"}

            """, files: ["tracked.txt": "keep me\n"])
        let head = try repo.git("rev-parse", "HEAD")
        let result = try repo.recipe("run", "r")
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("error: step 'bad' failed: \(problem)"), "\(result.stderr)")
        let document = try notes(repo, on: head).documents[0].text
        #expect(document.contains("\nstatus: failed\n"))
        #expect(document.contains("  - name: after\n    skipped: a step it needs failed\n"))
    }

    @Test func anUnknownOrUnreachableExecutorIsRefusedNotIgnored() throws {
        let repo = try Self.project(Self.echo)
        try repo.git("config", "recipe.executor", "kubernetes")
        var result = try repo.recipe("run", "r")
        #expect(result.status == 2)
        #expect(result.stderr == "error: unknown executor 'kubernetes' (from git config recipe.executor); executors: local, slurm\n")
        #expect(try repo.recipe("run", "r", "--executor", "local").status == 0)
        try repo.git("config", "--unset", "recipe.executor")
        try repo.write(".recipes/config.yaml", "version: 1\nexecutors: {default: slurm}\n")
        try repo.commitAll("default to slurm")
        // A cluster that cannot be reached stops the run before anything runs or is recorded.
        let before = try repo.git("notes", "--ref=recipes", "list")
        result = try repo.recipe("run", "r", environment: ["SLURM_CONF": "/nonexistent/slurm.conf"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: could not reach the Slurm controller with Slurm: "), "\(result)")
        #expect(result.stderr.hasSuffix("check that sinfo works here (SLURM_CONF names the cluster's slurm.conf), or run with --executor local\n"))
        #expect(try repo.git("notes", "--ref=recipes", "list") == before)
    }

    @Test func logsListStepsInTheOrderTheyRan() throws {
        let repo = try Self.project("version: 1\nseed: 1\nsteps:\n  zeta: {run: echo first}\n  alpha: {needs: [zeta], run: echo second}\n")
        #expect(try repo.recipe("run", "r").status == 0)
        let id = RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", "HEAD")).documents[0].id
        #expect(try repo.recipe("logs", id).stdout == "==> zeta <==\nfirst\n==> alpha <==\nsecond\n")
    }

    @Test func aMalformedMetricsFileFailsTheStep() throws {
        let repo = try Self.project(
            "version: 1\nseed: 1\nsteps:\n  s: {run: \"mkdir -p out && echo '{not json' > out/m.json\", metrics: [out/m.json]}\n")
        let result = try repo.recipe("run", "r")
        #expect(result.status == 3)
        #expect(result.stderr.contains("error: step 's' failed: metrics file 'out/m.json' is malformed: "))
    }

    @Test func anEngineNoImageNeedsIsNoConcernOfARecipeWithoutImages() throws {
        let repo = try Self.project(Self.echo)
        try repo.git("config", "recipe.containerEngine", "lxc")
        #expect(try repo.recipe("lock", "--check").status == 0)
        let result = try repo.recipe("run", "r")
        #expect(result.status == 0, "\(result)")
    }

    @Test func ctrlCStopsTheStepAndRecordsTheRunAsCancelled() throws {
        let repo = try Self.project("version: 1\nseed: 1\nsteps:\n  slow: {run: \"echo started; sleep 31.5\"}\n")
        let started = Date()
        let result = try repo.interrupt(["run", "r"])
        #expect(result.status == 130, "\(result)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(try notes(repo).documents[0].text.contains("\nstatus: cancelled\n"))
        let sleeping = try run("pgrep", ["-f", "sleep 31.5"], in: "/", environment: repo.environment)
        #expect(sleeping.stdout.isEmpty, "the step's process group was stopped")
    }
}

/// Runs recorded in two clones on the same commit survive git's own union merge of the
/// notes ref (`notes.recipes.mergeStrategy=union`, which init sets): every run, once.
@Suite("Run notes across clones")
struct RunNoteMergeTests {
    @Test func gitsUnionMergeOfTwoClonesKeepsEveryRunOnce() throws {
        let origin = try RunCommandTests.project("version: 1\nseed: 1\nsteps:\n  s: {run: \"true\"}\n")
        #expect(try origin.recipe("run", "r").status == 0)
        let parent = try TemporaryDirectory()
        let copy = "\(parent.path)/copy"
        let git = { (arguments: [String]) throws -> CommandResult in try run("git", arguments, in: copy, environment: origin.environment) }
        #expect(try run("git", ["clone", "-q", origin.path, copy], in: parent.path, environment: origin.environment).status == 0)
        #expect(try git(["fetch", "-q", "origin", "refs/notes/recipes:refs/notes/recipes"]).status == 0)
        #expect(try git(["config", "user.email", "colleague@example.org"]).status == 0)
        #expect(try git(["config", "user.name", "A Colleague"]).status == 0)
        #expect(try origin.recipe("run", "r").status == 0)
        #expect(try git(["recipe", "run", "r"]).status == 0)
        #expect(try git(["fetch", "-q", "origin", "refs/notes/recipes:refs/notes/theirs"]).status == 0)
        let merge = try git(["notes", "--ref=recipes", "merge", "-s", "union", "refs/notes/theirs"])
        #expect(merge.status == 0, "\(merge)")
        let note = RunNote(parsing: try git(["notes", "--ref=recipes", "show", "HEAD"]).stdout)
        #expect(note.documents.count == 3, "one shared run, and one from each clone")
        #expect(Set(note.documents.map(\.id)).count == 3)
        #expect(try git(["fsck", "--strict"]).status == 0)
    }
}

/// Many writers at once, and writers killed at random moments: no note is ever lost and the
/// repository stays valid (invariant 4 in docs/architecture.md).
@Suite("Run records under concurrency")
struct RunRecordReliabilityTests {
    static let quick = "version: 1\nseed: 1\nsteps:\n  s: {run: \"true\"}\n"

    @Test func twentyRunsAtOnceOnOneCommitAreAllRecorded() throws {
        let repo = try RunCommandTests.project(Self.quick)
        let binary = "\(BuiltProducts.directory)/git-recipe"
        let statuses = try runConcurrently(Array(repeating: (binary, ["run", "r"], repo.path), count: 20), environment: repo.environment)
        #expect(statuses == Array(repeating: 0, count: 20))
        let note = RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", "HEAD"))
        #expect(note.documents.count == 20)
        #expect(Set(note.documents.map(\.id)).count == 20)
        #expect(try run("git", ["fsck", "--strict"], in: repo.path, environment: repo.environment).status == 0)
    }

    @Test func runsOnTenCommitsAtOnceAreAllRecorded() throws {
        let repo = try RunCommandTests.project(Self.quick)
        let parent = try TemporaryDirectory()
        var worktrees: [String] = []
        for index in 0..<10 {
            try repo.write("commit\(index).txt", "\(index)")
            try repo.commitAll("commit \(index)")
            try repo.git("worktree", "add", "-q", "--detach", "\(parent.path)/w\(index)", "HEAD")
            worktrees.append("\(parent.path)/w\(index)")
        }
        let binary = "\(BuiltProducts.directory)/git-recipe"
        let statuses = try runConcurrently(worktrees.map { (binary, ["run", "r"], $0) }, environment: repo.environment)
        #expect(statuses == Array(repeating: 0, count: 10))
        for worktree in worktrees {
            let commit = try run("git", ["rev-parse", "HEAD"], in: worktree, environment: repo.environment).stdout.trimmingCharacters(
                in: .whitespacesAndNewlines)
            #expect(RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", commit)).documents.count == 1)
        }
        #expect(try run("git", ["fsck", "--strict"], in: repo.path, environment: repo.environment).status == 0)
    }

    @Test func killingRunsAtRandomMomentsNeverCorruptsTheNotes() throws {
        let repo = try RunCommandTests.project("version: 1\nseed: 1\nsteps:\n  s: {run: \"sleep 0.05\"}\n")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<15 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "\(BuiltProducts.directory)/git-recipe")
            process.arguments = ["run", "r"]
            process.currentDirectoryURL = URL(fileURLWithPath: repo.path)
            process.environment = repo.environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.0...0.25, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        #expect(try run("git", ["fsck", "--strict"], in: repo.path, environment: repo.environment).status == 0)
        // The repository still takes runs, and every document recorded, before or after the
        // kills, is complete (checked unconditionally: at least this run is there).
        let last = try repo.recipe("run", "r")
        #expect(last.status == 0, "\(last)")
        // A run killed while it held refs/notes/recipes.lock leaves the lock behind; a run in
        // the ten seconds before it counts as abandoned keeps its record in the journal, and
        // says so (reference: Nothing lost). Either way the record is whole.
        let ref = try run("git", ["cat-file", "-t", "refs/notes/recipes"], in: repo.path, environment: repo.environment)
        let noted = ref.stdout == "commit\n" ? RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", "HEAD")).documents.map(\.text) : []
        let journaled = RunJournal(repository: try Repository.discover(from: repo.path, environment: [:])).entries().map(\.document)
        if noted.isEmpty { #expect(last.stderr.contains("could not be added to refs/notes/recipes"), "\(last)") }
        #expect(!(noted + journaled).isEmpty)
        for document in noted + journaled {
            #expect(document.hasPrefix("schema: git-recipe/run/v1\n"))
            #expect(document.contains("\nmetrics: {}\n"), "every document is complete")
        }
        #expect(try run("git", ["fsck", "--strict"], in: repo.path, environment: repo.environment).status == 0)
    }
}

/// The templates run for real: least squares in pure Python, and scikit-learn on digits.
@Suite("Templates run")
struct TemplateRunTests {
    @Test(arguments: [("minimal", "test_r2"), ("sklearn", "accuracy")])
    func aScaffoldedTemplateRunsAndRecordsItsMetrics(template: String, metric: String) throws {
        let repo = try TemporaryGitRepository()
        #expect(try repo.recipe("init", "--template", template).status == 0)
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("scaffold and lock")
        let result = try repo.recipe("run", "train")
        #expect(result.status == 0, "\(result)")
        let note = RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", "HEAD"))
        let document = try #require(note.documents.first?.text)
        #expect(document.contains("\nstatus: succeeded\n"))
        let value = document.split(separator: "\n").first { $0.hasPrefix("  \(metric): ") }.flatMap { Double($0.split(separator: " ").last!) }
        #expect((value ?? 0) > 0.9, "\(metric) of a real model trained on real data")
        let id = try #require(note.documents.first?.id)
        #expect(try repo.recipe("status").stdout == "train: lock fresh; 1 succeeded run on HEAD for this lock\n  outputs: run \(id)'s\n")
    }
}
