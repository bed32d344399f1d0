import Foundation
import TestSupport
import Testing

/// `run --executor slurm` against the real single-node cluster of `scripts/slurm-local`.
/// Serialized: the first test stops and restarts the cluster the others use.
@Suite("The slurm executor", .serialized, .enabled(if: LocalService.slurm.isAvailable, Comment(rawValue: LocalService.slurm.skipReason)))
struct SlurmTests {
    /// A diamond: `a`, then `b` and `c` (independent, in parallel), then `d`.
    static let diamond = """
        version: 1
        seed: 5
        steps:
          a:
            run: mkdir -p out && echo "a $RECIPE_SEED" > out/a.txt && echo from-a
            outputs: [out/a.txt]
          b:
            run: cat out/a.txt > out/b.txt && echo b >> out/b.txt
            inputs: [out/a.txt]
            outputs: [out/b.txt]
            resources: {cpus: 1, time: "00:05:00"}
          c:
            run: cat out/a.txt > out/c.txt && echo c >> out/c.txt
            inputs: [out/a.txt]
            outputs: [out/c.txt]
          d:
            run: "cat out/b.txt out/c.txt > out/d.txt && echo 'n: 4' > out/m.yaml"
            inputs: [out/b.txt, out/c.txt]
            outputs: [out/d.txt, out/m.yaml]
            metrics: [out/m.yaml]

        """

    func environment() throws -> [String: String] {
        try #require(LocalService.slurm.exports, "the cluster did not start: run scripts/slurm-local start as root")
    }

    /// The documents on HEAD's note, oldest first.
    func documents(_ repo: TemporaryGitRepository) throws -> [String] {
        try repo.git("notes", "--ref=recipes", "show", "HEAD").components(separatedBy: "---\n").filter { !$0.isEmpty }
    }

    static func section(_ name: String, of document: String) -> String {
        let lines = document.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: Substring("\(name):")) else { return "" }
        return lines[start...].dropFirst().prefix { $0.hasPrefix(" ") }.joined(separator: "\n")
    }

    /// Foundation's `Process` learns that a child ended from a socket the child inherits; a
    /// daemon that kept it (munged did) made `waitUntilExit` wait forever, and a daemon that
    /// kept a blocked signal mask ignored `stop`. Started from a `Process` with pipes, as a
    /// newcomer's test runner would, the script returns, and `stop` stops every daemon.
    @Test func theClusterStartsFromAProcessWithPipesAndStops() throws {
        _ = try #require(LocalService.slurm.exports, "the cluster did not start: run scripts/slurm-local start as root")
        #expect(try run(LocalService.slurm.script, ["stop"], in: "/", environment: ProcessInfo.processInfo.environment).status == 0)
        #expect(
            try run("pgrep", ["-x", "slurmctld|slurmd"], in: "/", environment: ProcessInfo.processInfo.environment).status == 1,
            "stop left a daemon running")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: LocalService.slurm.script)
        process.arguments = ["start"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let ended = DispatchSemaphore(value: 0)
        let drained = DispatchSemaphore(value: 0)
        let printed = Received()
        try process.run()
        DispatchQueue.global().async {
            process.waitUntilExit()
            ended.signal()
        }
        DispatchQueue.global().async {
            printed.data = output.fileHandleForReading.readDataToEndOfFile()  // EOF once no daemon holds the pipe
            drained.signal()
        }
        // Liveness bounds, not timings: a start takes a few seconds, the bug waited forever.
        #expect(ended.wait(timeout: .now() + 120) == .success, "slurm-local start never returned to a Foundation Process")
        #expect(drained.wait(timeout: .now() + 10) == .success, "a daemon kept the caller's pipe open")
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: printed.data, as: UTF8.self).contains("export SLURM_CONF="))
        let sinfo = try run("sinfo", ["-h", "-o", "%T"], in: "/", environment: try environment())
        #expect(sinfo.stdout == "idle\n", "\(sinfo)")
    }

    @Test func dataContractsHoldOnTheClusterToo() throws {
        // prepare's pinned input breaks its contract: nothing is queued for it or for train.
        let raw = "text\tscore\nhello\thigh\n"
        let repo = try RunCommandTests.project(DataContractTests.recipe(), files: ["data/raw.tsv": raw])
        let refused = try repo.recipe(["run", "r", "--executor", "slurm"], environment: try environment())
        #expect(refused.status == 3, "\(refused)")
        #expect(refused.stderr.contains("step 'prepare' failed: its input breaks its contract: data/raw.tsv: row 1 (line 2)"), "\(refused)")
        let document = try documents(repo)[0]
        #expect(!Self.section("executor", of: document).contains("prepare:"), "no job was queued for prepare: \(document)")
        #expect(document.contains("skipped: a step it needs failed"), "\(document)")
        // A job's output that breaks its contract fails its step as the job ends.
        let broken = try RunCommandTests.project(DataContractTests.recipe(label: "maybe"), files: ["data/raw.tsv": "text\tscore\nhi\t1\n"])
        let failed = try broken.recipe(["run", "r", "--executor", "slurm"], environment: try environment())
        #expect(failed.status == 3, "\(failed)")
        #expect(failed.stderr.contains("column 'label': 'maybe' is not an int"), "\(failed)")
    }

    @Test func aDiamondRunsAsJobsAndRecordsWhatTheLocalExecutorRecords() throws {
        let repo = try RunCommandTests.project(Self.diamond)
        let slurm = try repo.recipe(["run", "r", "--executor", "slurm"], environment: try environment())
        #expect(slurm.status == 0, "\(slurm)")
        #expect(slurm.stdout.contains("from-a\n"), "a job's output comes back")
        #expect(try repo.recipe("run", "r", "--executor", "local", "--no-cache").status == 0)
        let (onSlurm, local) = try (documents(repo)[0], documents(repo)[1])
        let executor = Self.section("executor", of: onSlurm)
        #expect(executor.hasPrefix("  kind: slurm\n  cluster: git-recipe-local\n  jobs:\n    a: \""), "\(executor)")
        for step in ["a", "b", "c", "d"] { #expect(executor.contains("\n    \(step): \"")) }
        #expect(onSlurm.contains("    state: COMPLETED\n"))
        #expect(onSlurm.contains("    resources:\n      cpus: 1\n      time: \"00:05:00\"\n"))
        // CPU time and peak memory come back from the job as they do from a local step.
        #expect(onSlurm.components(separatedBy: "    usage:\n      cpu_seconds: ").count == 5, "every step's usage:\n\(onSlurm)")
        #expect(onSlurm.components(separatedBy: "      peak_memory_bytes: ").count == 5, "\(onSlurm)")
        #expect(!onSlurm.contains("peak_memory_bytes: 0\n"), "\(onSlurm)")
        #expect(Self.section("outputs", of: onSlurm) == Self.section("outputs", of: local), "same output digests on either executor")
        #expect(Self.section("metrics", of: onSlurm) == "  \"n\": 4.0")
        #expect(Self.section("metrics", of: local) == "  \"n\": 4.0")
        let id = try #require(onSlurm.split(separator: "\n").first { $0.hasPrefix("id: ") }).dropFirst(4).trimmingCharacters(in: ["\""])
        #expect(try repo.recipe("logs", id, "a").stdout == "from-a\n")
        let reproduced = try repo.recipe("reproduce", id, "--executor", "local")
        #expect(reproduced.status == 0, "\(reproduced)")
        #expect(reproduced.stdout.contains("\nverdict: exact — every output and metric is identical to run \(id)'s\n"), "\(reproduced)")
        #expect(try documents(repo)[2].contains("executor:\n  kind: local\n"))
    }

    @Test func aDryRunPrintsTheSbatchLinesWithTheirDependencies() throws {
        let repo = try RunCommandTests.project(Self.diamond)
        let result = try repo.recipe("run", "r", "--executor", "slurm", "--dry-run")
        #expect(result.status == 0, "\(result)")
        let runs = "\(repo.path)/.git/recipes/runs/RUN_ID"
        let common = { (step: String) in "--chdir=\(repo.path) --output=\(runs)/\(step).log --export=ALL --nodes=1 --ntasks=1" }
        #expect(
            result.stdout.contains(
                "  JOB_b=$(sbatch --parsable --job-name=r.b \(common("b")) \"--dependency=afterok:$JOB_a\" --kill-on-invalid-dep=yes "
                    + "--cpus-per-task=1 --time=00:05:00 \(runs)/b.sh)\n"), "\(result)")
        #expect(
            result.stdout.contains(
                "  JOB_d=$(sbatch --parsable --job-name=r.d \(common("d")) \"--dependency=afterok:$JOB_b:$JOB_c\" --kill-on-invalid-dep=yes "
                    + "\(runs)/d.sh)\n"), "\(result)")
        #expect(result.stdout.contains("  JOB_a=$(sbatch --parsable --job-name=r.a "), "\(result)")
        #expect(throws: CommandFailure.self) { try repo.git("notes", "--ref=recipes", "show", "HEAD") }
    }

    /// A sweep's runs are submitted at once: every seed's job is queued before the first
    /// one ends (each sleeps 4 s after noting when it started), each seed from its own
    /// worktree, and every run is recorded with its own output.
    @Test func aSweepSubmitsEverySeedsJobsBeforeTheFirstEnds() throws {
        let repo = try RunCommandTests.project(
            """
            version: 1
            seed: 0
            steps:
              s:
                run: 'mkdir -p out && echo "start: $(date +%s)" > out/m.yaml && echo "$RECIPE_SEED" > out/seed.txt && sleep 4'
                outputs: [out/seed.txt]
                metrics: [out/m.yaml]

            """)
        let result = try repo.recipe(["run", "r", "--executor", "slurm", "--seeds", "0..3", "--no-cache"], environment: try environment())
        #expect(result.status == 0, "\(result)")
        let documents = try documents(repo)
        #expect(documents.count == 4)
        let iso = ISO8601DateFormatter()
        func field(_ name: String, in text: String) -> String? {
            text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("\(name): ") }
                .map { String($0.split(separator: ": ", maxSplits: 1)[1]).trimmingCharacters(in: ["\""]) }
        }
        let submitted = try documents.map { try #require(field("started", in: Self.section("steps", of: $0)).flatMap(iso.date(from:))) }
        let started = try documents.map { try #require(field("start", in: Self.section("metrics", of: $0)).flatMap(Double.init)) }
        #expect(
            submitted.map(\.timeIntervalSince1970).max()! < started.min()! + 4,
            "every job was submitted before the first ended: submitted \(submitted), started \(started)")
        #expect(Set(documents.compactMap { field("sweep", in: $0) }).count == 1)
        #expect(Set(documents.map { Self.section("outputs", of: $0) }).count == 4, "each seed's own output")
        #expect(try repo.read("out/seed.txt") == "0\n", "the checkout holds the first seed's outputs")
        #expect(try repo.git("worktree", "list").split(separator: "\n").count == 1, "no scratch worktree left")
    }

    @Test func theStepCacheServesSlurmRunsAndSlurmRunsFeedIt() throws {
        let repo = try RunCommandTests.project(Self.diamond)
        #expect(try repo.recipe(["run", "r", "--executor", "slurm"], environment: try environment()).status == 0)
        let again = try repo.recipe(["run", "r", "--executor", "slurm"], environment: try environment())
        #expect(again.status == 0, "\(again)")
        let cached = try documents(repo)[1]
        #expect(Self.section("executor", of: cached) == "  kind: slurm\n  cluster: git-recipe-local\n  jobs: {}", "nothing submitted: \(cached)")
        #expect(cached.components(separatedBy: "    cached:\n").count - 1 == 4, "every step restored from the first run's jobs")
        #expect(try repo.read("out/d.txt") == "a 5\nb\na 5\nc\n")

        // A changed last step runs as the one job; the steps before it come from the cache.
        try repo.write(".recipes/r.yaml", Self.diamond.replacingOccurrences(of: "echo 'n: 4'", with: "echo 'n: 5'"))
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("d changes")
        let changed = try repo.recipe(["run", "r", "--executor", "slurm"], environment: try environment())
        #expect(changed.status == 0, "\(changed)")
        let partly = try documents(repo)[0]
        let executor = Self.section("executor", of: partly)
        #expect(executor.contains("\n    d: \"") && !executor.contains("\n    a: \""), "only d was a job: \(executor)")
        #expect(partly.components(separatedBy: "    cached:\n").count - 1 == 3)
        #expect(Self.section("metrics", of: partly) == "  \"n\": 5.0")
    }

    @Test func aFailingJobCancelsItsDependentsAndFailsTheRun() throws {
        let repo = try RunCommandTests.project(
            """
            version: 1
            seed: 1
            steps:
              bad: {run: "echo failing; exit 3"}
              after: {needs: [bad], run: "true"}
              aside: {run: "true"}

            """)
        let result = try repo.recipe(["run", "r", "--executor", "slurm"], environment: try environment())
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("error: step 'bad' failed: its command exited with status 3 (slurm job "), "\(result.stderr)")
        let document = try documents(repo)[0]
        #expect(document.contains("\nstatus: failed\n"))
        #expect(document.contains("  - name: bad\n    command: \"echo failing; exit 3\"\n    exit: 3\n"))
        #expect(document.contains("    state: FAILED\n"))
        #expect(document.contains("  - name: after\n    skipped: a step it needs failed\n"))
        #expect(document.contains("  - name: aside\n    command: \"true\"\n    exit: 0\n"), "an independent job still ran")
    }

    /// Slurm's time limits are whole minutes, enforced on its periodic check: this takes ~1–1.5 min.
    @Test func aJobPastItsTimeLimitIsRecordedAsTimeout() throws {
        let repo = try RunCommandTests.project("version: 1\nseed: 1\nsteps:\n  slow: {run: \"sleep 300\", resources: {time: \"1\"}}\n")
        let result = try repo.recipe(["run", "r", "--executor", "slurm"], environment: try environment())
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("error: step 'slow' failed: it ran past its time limit (slurm job "), "\(result.stderr)")
        #expect(try documents(repo)[0].contains("    state: TIMEOUT\n"))
    }

    @Test func ctrlCCancelsTheJobsAndRecordsTheRunAsCancelled() throws {
        let repo = try RunCommandTests.project(
            "version: 1\nseed: 1\nsteps:\n  interruptible: {run: \"sleep 120\"}\n  afterwards: {needs: [interruptible], run: \"true\"}\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(BuiltProducts.directory)/git-recipe")
        process.arguments = ["run", "r", "--executor", "slurm"]
        process.currentDirectoryURL = URL(fileURLWithPath: repo.path)
        process.environment = repo.environment.merging(try environment()) { _, new in new }
        // What it says goes to a file, so a failure below shows why.
        let said = try TemporaryDirectory()
        FileManager.default.createFile(atPath: said.path + "/stderr", contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: said.path + "/stderr"))
        try process.run()
        // Job names are RECIPE.STEP; these steps' names are this test's alone.
        let queue = { try run("squeue", ["-h", "-o", "%i %T %j"], in: repo.path, environment: process.environment!).stdout }
        for _ in 0..<150 where !((try? queue()) ?? "").contains("RUNNING r.interruptible") { Thread.sleep(forTimeInterval: 0.1) }
        #expect(try queue().contains("RUNNING r.interruptible"), "the job started")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let stderr = (try? String(contentsOfFile: said.path + "/stderr", encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 130, "it said: \(stderr)")
        let left = try queue()
        #expect(!left.contains(" r.interruptible") && !left.contains(" r.afterwards"), "no job of the run is left in the queue: \(left)")
        let document = try documents(repo)[0]
        #expect(document.contains("\nstatus: cancelled\n"))
        #expect(document.contains("    state: CANCELLED\n"))
    }

    /// `kill -9` of the driver mid-sweep left its jobs running with nobody to record them,
    /// and its scratch worktrees behind: `git recipe cancel` cancels the jobs of runs whose
    /// driver is gone and removes the worktrees; nothing else is touched.
    @Test func cancelClearsTheJobsAndWorktreesOfAKilledSweep() throws {
        let repo = try RunCommandTests.project("version: 1\nseed: 1\nsteps:\n  orphan: {run: \"sleep 120\"}\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(BuiltProducts.directory)/git-recipe")
        process.arguments = ["run", "r", "--executor", "slurm", "--seeds", "0..2"]
        process.currentDirectoryURL = URL(fileURLWithPath: repo.path)
        let environment = repo.environment.merging(try environment()) { _, new in new }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let queue = { try run("squeue", ["-h", "-o", "%i %j"], in: repo.path, environment: environment).stdout }
        let listed = { (try? queue())?.split(separator: "\n").filter { $0.hasSuffix(" r.orphan") }.count ?? 0 }
        for _ in 0..<300 where listed() < 3 { Thread.sleep(forTimeInterval: 0.1) }
        #expect(listed() == 3, "every seed's job is queued")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(listed() == 3, "the jobs outlive their driver")
        #expect(try repo.git("worktree", "list").split(separator: "\n").count == 3, "and so do its scratch worktrees")

        let cancel = try repo.recipe(["cancel"], environment: environment)
        #expect(cancel.status == 0, "\(cancel)")
        #expect(cancel.stdout.split(separator: "\n").filter { $0.hasSuffix(": its git recipe run is gone") }.count == 3, "\(cancel)")
        #expect(cancel.stdout.contains("removed 2 scratch worktrees such runs left"), "\(cancel)")
        for _ in 0..<100 where listed() > 0 { Thread.sleep(forTimeInterval: 0.1) }
        #expect(listed() == 0, "no job is left in the queue")
        #expect(try repo.git("worktree", "list").split(separator: "\n").count == 1)
        let again = try repo.recipe(["cancel"], environment: environment)
        #expect(again.stdout.contains("nothing to cancel"), "\(again)")
    }

    /// A controller too busy to answer (`scontrol` timing out) used to end the run at once,
    /// exit 1, with no record of jobs that ran. Polling now asks again for up to a minute.
    @Test func aControllerThatStopsAnsweringForAWhileDoesNotLoseTheRun() throws {
        let repo = try RunCommandTests.project("version: 1\nseed: 1\nsteps:\n  patient: {run: \"sleep 4\"}\n")
        let real = try run("sh", ["-c", "command -v scontrol"], in: "/", environment: ProcessInfo.processInfo.environment).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let wrapper = try TemporaryDirectory()
        let busy = wrapper.path + "/busy"
        try
            "#!/bin/sh\nif [ -f '\(busy)' ]; then echo 'slurm_load_jobs error: Socket timed out on send/recv operation' >&2; exit 1; fi\nexec '\(real)' \"$@\"\n"
            .write(toFile: wrapper.path + "/scontrol", atomically: true, encoding: .utf8)
        chmod(wrapper.path + "/scontrol", 0o755)
        var environment = repo.environment.merging(try environment()) { _, new in new }
        environment["PATH"] = wrapper.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(BuiltProducts.directory)/git-recipe")
        process.arguments = ["run", "r", "--executor", "slurm"]
        process.currentDirectoryURL = URL(fileURLWithPath: repo.path)
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let queue = { try run("squeue", ["-h", "-o", "%i %T %j"], in: repo.path, environment: environment).stdout }
        for _ in 0..<150 where !((try? queue()) ?? "").contains("RUNNING r.patient") { Thread.sleep(forTimeInterval: 0.1) }
        FileManager.default.createFile(atPath: busy, contents: nil)
        Thread.sleep(forTimeInterval: 3)
        try FileManager.default.removeItem(atPath: busy)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try documents(repo)[0].contains("\nstatus: succeeded\n"))
    }
}

/// Bytes one thread reads and another reads after a semaphore says they are there.
private final class Received: @unchecked Sendable {
    var data = Data()
}
