import Foundation
import TestSupport
import Testing

/// The local executor runs ready steps at once (`-j N`): a diamond's middle steps overlap,
/// a failed branch stops only what needs it (or everything, with `--fail-fast`), a step's
/// `resources.cpus` is its share of the cores, and Ctrl-C stops every running step.
@Suite("Steps in parallel")
struct ParallelStepTests {
    /// `a`, then `b` and `c` (each records when it starts and ends, a second apart), then `d`.
    static func diamond(cpus: Int? = nil) -> String {
        let resources = cpus.map { "\n    resources: {cpus: \($0)}" } ?? ""
        let timed = { (name: String) in
            "python3 -c \"import time; print(time.time()); time.sleep(1); print(time.time())\" > out/\(name).txt && echo \(name)-said"
        }
        return """
            version: 1
            seed: 1
            steps:
              a:
                run: mkdir -p out && echo a > out/a.txt && echo from-a
                outputs: [out/a.txt]
              b:
                run: \(timed("b"))
                inputs: [out/a.txt]
                outputs: [out/b.txt]\(resources)
              c:
                run: \(timed("c"))
                inputs: [out/a.txt]
                outputs: [out/c.txt]\(resources)
              d:
                run: cat out/b.txt out/c.txt > out/d.txt
                inputs: [out/b.txt, out/c.txt]
                outputs: [out/d.txt]

            """
    }

    /// When `b` and `c` ran: each one's start and end, from the files they wrote.
    static func spans(_ repo: TemporaryGitRepository) throws -> (b: ClosedRange<Double>, c: ClosedRange<Double>) {
        let span = { (name: String) throws -> ClosedRange<Double> in
            let times = try repo.read("out/\(name).txt").split(separator: "\n").compactMap { Double($0) }
            return try #require(times.first)...(try #require(times.last))
        }
        return (try span("b"), try span("c"))
    }

    @Test func independentStepsOverlapAndTheirLinesSayWhoseTheyAre() throws {
        let repo = try RunCommandTests.project(Self.diamond())
        let result = try repo.recipe("run", "r", "-j", "2")
        #expect(result.status == 0, "\(result)")
        let (b, c) = try Self.spans(repo)
        #expect(b.overlaps(c), "b \(b) and c \(c) ran at once")
        #expect(
            result.stdout.contains("[a] from-a\n") && result.stdout.contains("[b] b-said\n") && result.stdout.contains("[c] c-said\n"), "\(result)")
        #expect(try repo.read("out/d.txt").split(separator: "\n").count == 4, "d ran after both")
        let manifest = try #require(try ReproduceTests.runs(repo).first).text
        let order = manifest.split(separator: "\n").filter { $0.hasPrefix("  - name: ") }
        #expect(order == ["  - name: a", "  - name: b", "  - name: c", "  - name: d"], "steps recorded in plan order")
        #expect(try repo.recipe("logs", try #require(try ReproduceTests.runs(repo).first).id, "b").stdout == "b-said\n", "logs stay unprefixed")

        let serial = try repo.recipe("run", "r", "-j", "1", "--no-cache")
        #expect(serial.status == 0, "\(serial)")
        let (b1, c1) = try Self.spans(repo)
        #expect(!b1.overlaps(c1), "one at a time with -j 1")
        #expect(serial.stdout.contains("\nb-said\n"), "no prefixes when steps cannot overlap: \(serial)")
    }

    @Test func aStepsCPUsAreItsShareOfTheCores() throws {
        let repo = try RunCommandTests.project(Self.diamond(cpus: 2))
        let result = try repo.recipe("run", "r", "-j", "2")
        #expect(result.status == 0, "\(result)")
        let (b, c) = try Self.spans(repo)
        #expect(!b.overlaps(c), "two 2-core steps do not fit 2 cores at once: b \(b), c \(c)")
    }

    /// `bad` fails at once; `slow`, which does not need it, takes a second; `d` needs both.
    static let failing = """
        version: 1
        seed: 1
        steps:
          bad:
            run: echo failing && exit 4
          slow:
            run: mkdir -p out && sleep 1 && echo done > out/slow.txt
            outputs: [out/slow.txt]
          d:
            needs: [bad, slow]
            run: echo never > out/d.txt
            outputs: [out/d.txt]

        """

    @Test func aFailedStepStopsOnlyWhatNeedsItOrEverythingWithFailFast() throws {
        let repo = try RunCommandTests.project(Self.failing)
        let result = try repo.recipe("run", "r", "-j", "2")
        #expect(result.status == 3, "\(result)")
        #expect(try repo.read("out/slow.txt") == "done\n", "the independent step ran to the end")
        let manifest = try #require(try ReproduceTests.runs(repo).first).text
        #expect(manifest.contains("\noutputs:\n  out/slow.txt:\n"), "its output is recorded: \(manifest)")
        #expect(manifest.contains("  - name: d\n    skipped: a step it needs failed\n"), "\(manifest)")
        #expect(result.stderr.contains("error: step 'bad' failed: its command exited with status 4"), "\(result)")

        let fast = try repo.recipe("run", "r", "-j", "2", "--fail-fast")
        #expect(fast.status == 3, "\(fast)")
        let stopped = try #require(try ReproduceTests.runs(repo).last).text
        #expect(stopped.contains("    error: \"stopped because step 'bad' failed (--fail-fast)\"\n"), "\(stopped)")
        #expect(stopped.contains("  - name: d\n    skipped: a step it needs failed\n"), "\(stopped)")
        #expect(!stopped.contains("\n  out/slow.txt:\n"), "\(stopped)")
    }

    @Test func ctrlCStopsEveryRunningStep() throws {
        let repo = try RunCommandTests.project(
            """
            version: 1
            seed: 1
            steps:
              one: {run: "echo started; sleep 37.25"}
              two: {run: "echo started; sleep 37.75"}

            """)
        let result = try repo.interrupt(["run", "r", "-j", "2"], once: "[two] started")
        #expect(result.status == 130, "\(result)")
        let manifest = try #require(try ReproduceTests.runs(repo).first).text
        #expect(manifest.contains("\nstatus: cancelled\n") && manifest.components(separatedBy: "    error: interrupted\n").count == 3, "\(manifest)")
        for sleep in ["sleep 37.25", "sleep 37.75"] {
            #expect(try run("pgrep", ["-f", sleep], in: "/", environment: repo.environment).stdout.isEmpty, "\(sleep) was stopped")
        }
    }

    @Test func zeroCoresIsInvalid() throws {
        let repo = try RunCommandTests.project(Self.failing)
        let result = try repo.recipe("run", "r", "-j", "0")
        #expect(result.status == 2 && result.stderr.contains("-j must be at least 1"), "\(result)")
    }
}

/// `--seeds` with cores to spare runs seeds at once, in the checkout and in scratch
/// worktrees, under the same `-j`; every seed's outputs are kept, the checkout ends with
/// the first seed's, and nothing is left behind.
@Suite("Sweeps in parallel")
struct ParallelSweepTests {
    /// One step that records its seed, when it started and when it ended, a second apart.
    static let recipe = """
        version: 1
        seed: 1
        steps:
          work:
            run: mkdir -p out && python3 -c "import os, time; s = time.time(); time.sleep(1); print(os.environ['RECIPE_SEED'], s, time.time())" > out/s.txt
            outputs: [out/s.txt]

        """

    /// Each run's seed and when its step ran, from the outputs checked out of the store.
    static func spans(_ repo: TemporaryGitRepository) throws -> [Int: ClosedRange<Double>] {
        var spans: [Int: ClosedRange<Double>] = [:]
        for run in try ReproduceTests.runs(repo) {
            #expect(try repo.recipe("checkout", run.id).status == 0)
            let fields = try repo.read("out/s.txt").split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            let seed = try #require(Int(fields[0]))
            spans[seed] = try #require(Double(fields[1]))...(try #require(Double(fields[2])))
        }
        return spans
    }

    @Test func seedsOverlapEachKeepsItsOutputsAndTheCheckoutEndsWithTheFirst() throws {
        let repo = try RunCommandTests.project(Self.recipe)
        let result = try repo.recipe("run", "r", "--seeds", "0..3", "-j", "2")
        #expect(result.status == 0, "\(result)")
        #expect(try repo.read("out/s.txt").hasPrefix("0 "), "the checkout holds the first seed's output")
        for seed in 0...3 { #expect(result.stdout.contains("succeeded in ") && result.stdout.contains("seed \(seed))\n"), "\(result)") }
        try ReproduceTests.expectNoScratchWorktree(repo)

        let spans = try Self.spans(repo)
        #expect(spans.keys.sorted() == [0, 1, 2, 3], "every seed's output is in the store, and differs")
        let overlapping = spans.values.filter { span in spans.values.contains { $0 != span && $0.overlaps(span) } }
        #expect(overlapping.count >= 2, "seeds ran at once: \(spans)")
        for span in spans.values {
            #expect(spans.values.filter { $0.overlaps(span) }.count <= 2, "never more than -j 2 at once: \(spans)")
        }
        let sweeps = Set(try ReproduceTests.runs(repo).compactMap { run in run.text.split(separator: "\n").first { $0.hasPrefix("sweep: ") } })
        #expect(sweeps.count == 1, "one sweep: \(sweeps)")
    }

    @Test func ctrlCStopsEverySeedAndLeavesNoWorktree() throws {
        let repo = try RunCommandTests.project(
            "version: 1\nseed: 1\nsteps:\n  slow: {run: \"echo started; sleep 38.5\"}\n")
        let result = try repo.interrupt(["run", "r", "--seeds", "0..3", "-j", "2"], once: "[seed 0 · slow] started")
        #expect(result.status == 130, "\(result)")
        let runs = try ReproduceTests.runs(repo)
        #expect(!runs.isEmpty && runs.allSatisfy { $0.text.contains("\nstatus: cancelled\n") }, "\(runs.map(\.text))")
        try ReproduceTests.expectNoScratchWorktree(repo)
        #expect(try run("pgrep", ["-f", "sleep 38.5"], in: "/", environment: repo.environment).stdout.isEmpty)
    }
}
