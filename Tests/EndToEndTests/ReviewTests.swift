import Foundation
import TestSupport
import Testing

/// `log`, `show` and `diff` over run records, through the real git CLI.
@Suite("Reviewing runs")
struct ReviewTests {
    /// Commits with fixed dates, so their ids — and the golden files — never change.
    static func commit(_ repo: TemporaryGitRepository, _ message: String, at date: String) throws -> String {
        var environment = repo.environment
        environment["GIT_AUTHOR_DATE"] = date
        environment["GIT_COMMITTER_DATE"] = date
        for arguments in [["add", "-A"], ["commit", "-q", "-m", message]] {
            let result = try run("git", arguments, in: repo.path, environment: environment)
            guard result.status == 0 else { throw CommandFailure(command: "git commit", result: result) }
        }
        return try repo.git("rev-parse", "HEAD")
    }

    /// A manifest laid out as git-recipe writes it.
    static func manifest(
        id: String, commit: String, seed: Int, lr: String, accuracy: String, loss: String, model: Character,
        status: String = "succeeded", sweep: String? = nil, python: String = "Python 3.11.2"
    ) -> String {
        let digest = { (c: Character) in "sha256:" + String(repeating: c, count: 64) }
        return """
            schema: git-recipe/run/v1
            id: "\(id)"
            recipe: train
            status: \(status)
            commit: "\(commit)"
            tree: "\(String(repeating: "0", count: 40))"
            lock: \(digest("a"))
            started: "2026-11-20T10:00:00Z"
            finished: "2026-11-20T10:01:05Z"
            user:
              name: A Researcher
              email: researcher@example.org
            seed: \(seed)
            params:
              epochs: 10
              lr: \(lr)
            overrides: {}
            executor:
              kind: local
            host:
              name: lab-1
              os: Debian GNU/Linux 12 (bookworm)
              arch: x86_64
              cpu: AMD EPYC
              cores: 2
            tool:
              version: 0.1.0
              libgit2: 1.5.1
            environment:
              probes:
                python: \(python)
              vars:
                PYTHONHASHSEED: "0"
              drift: []
            inputs:
              data/: \(digest("b"))
              train.py: \(digest("c"))
            assets: {}
            steps:
              - name: fit
                command: python3 train.py
                exit: 0
                started: "2026-11-20T10:00:00Z"
                seconds: 65.0
            outputs:
              models/model.pkl:
                digest: \(digest(model))
                bytes: 1234
            metrics:
              accuracy: \(accuracy)
              loss: \(loss)
            \(sweep.map { "sweep: \($0)\n" } ?? "")
            """
    }

    /// Attaches `documents` to `commit` as one note, with plain git.
    static func attach(_ documents: [String], to commit: String, in repo: TemporaryGitRepository) throws {
        try repo.write("note.yaml", documents.map { "---\n" + $0 }.joined())
        try repo.git("notes", "--ref=recipes", "add", "-f", "-F", "note.yaml", commit)
        try FileManager.default.removeItem(atPath: "\(repo.path)/note.yaml")
    }

    /// Two commits: the first with a run and a three-seed sweep, the second with a run that
    /// changed the learning rate, the Python version, the model and the metrics.
    static func history() throws -> (repo: TemporaryGitRepository, first: String, second: String) {
        let repo = try TemporaryGitRepository()
        try repo.write("train.py", "print(1)\n")
        let first = try commit(repo, "first", at: "2026-11-20T10:00:00Z")
        try repo.write("train.py", "print(2)\n")
        let second = try commit(repo, "second", at: "2026-11-21T10:00:00Z")
        try attach(
            [
                manifest(id: "20261120T100000Z-1111aaaa", commit: first, seed: 42, lr: "0.01", accuracy: "0.95", loss: "0.2", model: "d"),
                manifest(
                    id: "20261120T110000Z-2222bbbb", commit: first, seed: 0, lr: "0.01", accuracy: "0.94", loss: "0.21", model: "e",
                    sweep: "sweep-5eed5eed"),
                manifest(
                    id: "20261120T110000Z-3333cccc", commit: first, seed: 1, lr: "0.01", accuracy: "0.96", loss: "0.19", model: "f",
                    sweep: "sweep-5eed5eed"),
                manifest(
                    id: "20261120T110001Z-4444aaaa", commit: first, seed: 2, lr: "0.01", accuracy: "0.95", loss: "0.2", model: "0",
                    sweep: "sweep-5eed5eed"),
            ], to: first, in: repo)
        try attach(
            [
                manifest(
                    id: "20261121T100000Z-5555eeee", commit: second, seed: 42, lr: "0.02", accuracy: "0.97", loss: "0.15", model: "1",
                    python: "Python 3.11.7")
            ], to: second, in: repo)
        return (repo, first, second)
    }

    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "Golden")

    /// Compares with `Golden/NAME`; `UPDATE_GOLDEN=1` rewrites the file instead.
    func expectGolden(_ name: String, _ result: CommandResult) throws {
        #expect(result.status == 0, "\(result)")
        let file = Self.goldenDirectory.appending(path: name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.goldenDirectory, withIntermediateDirectories: true)
            try result.stdout.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(result.stdout == expected, "\(name) changed; if that is intended: UPDATE_GOLDEN=1 swift test --filter ReviewTests")
    }

    @Test func goldenOutputs() throws {
        let (repo, _, _) = try Self.history()
        try expectGolden("log.txt", try repo.recipe("log"))
        try expectGolden("log-expanded.md", try repo.recipe("log", "--expand", "--format", "markdown"))
        try expectGolden("show.md", try repo.recipe("show", "1111aaaa", "--format", "markdown"))
        try expectGolden("show-sweep.md", try repo.recipe("show", "sweep-5eed5eed", "--format", "markdown"))
        try expectGolden("diff.txt", try repo.recipe("diff", "1111aaaa", "5555eeee"))
        try expectGolden("diff.md", try repo.recipe("diff", "HEAD~1", "HEAD", "--format", "markdown"))
        try expectGolden("diff-sweep.txt", try repo.recipe("diff", "sweep-5eed5eed", "HEAD:train"))
    }

    /// The real-project case: main holds a five-seed sweep and, later, one single run; the
    /// feature branch a five-seed sweep. Its diff against main used to take main's latest
    /// run — the single one — and print a confident +4.80%. Now the baseline is main's
    /// sweep, and the change is tested with Welch's t; against the single run it is "not a test".
    @Test func revisionsAreComparedSweepToSweepWithWelchsTest() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("train.py", "print(1)\n")
        let main = try Self.commit(repo, "main", at: "2026-11-20T10:00:00Z")
        try repo.write("train.py", "print(2)\n")
        let feature = try Self.commit(repo, "feature", at: "2026-11-21T10:00:00Z")
        let mainSweep = [0.5371, 0.5402, 0.5388, 0.5359, 0.5410]
        let featureSweep = [0.5479, 0.5493, 0.5501, 0.5466, 0.5489]
        func sweep(_ values: [Double], commit: String, day: String, name: String) -> [String] {
            values.enumerated().map { seed, accuracy in
                Self.manifest(
                    id: "202611\(day)T100000Z-\(seed)\(name)", commit: commit, seed: seed, lr: "0.01", accuracy: "\(accuracy)", loss: "0.2",
                    model: "d", sweep: "sweep-\(name)")
            }
        }
        try Self.attach(
            sweep(mainSweep, commit: main, day: "20", name: "aaaa1111")
                + [Self.manifest(id: "20261120T150000Z-0000ffff", commit: main, seed: 42, lr: "0.01", accuracy: "0.5222", loss: "0.2", model: "d")],
            to: main, in: repo)
        try Self.attach(sweep(featureSweep, commit: feature, day: "21", name: "bbbb2222"), to: feature, in: repo)
        try expectGolden("diff-sweeps.md", try repo.recipe("diff", "HEAD~1", "HEAD", "--format", "markdown"))
        try expectGolden("diff-single.md", try repo.recipe("diff", "0000ffff", "HEAD", "--format", "markdown"))
        // log notes each sweep against the next older sweep of its recipe, never against a single run.
        try expectGolden("log-sweeps.txt", try repo.recipe("log"))
        let json = try repo.recipe("diff", "HEAD~1", "HEAD", "--format", "json")
        #expect(json.stdout.contains("\"significant\": true"), "\(json)")
    }

    /// Note content is data: rendered raw, a metric name became a remote image in a pull
    /// request, `<img onerror=…>` raw HTML, and `log` printed escape sequences.
    @Test func noteContentIsEscapedForWhereItIsPrinted() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("train.py", "print(1)\n")
        let commit = try Self.commit(repo, "first", at: "2026-11-20T10:00:00Z")
        let hostile = Self.manifest(id: "20261120T100000Z-6666ffff", commit: commit, seed: 1, lr: "0.01", accuracy: "0.9", loss: "0.1", model: "d")
            .replacingOccurrences(of: "recipe: train", with: #"recipe: "train\e]0;owned\a\e[2J""#)
            .replacingOccurrences(
                of: "  loss: 0.1", with: "  \"![t](http://host/track.png)\": 0.1\n  \"<img src=x onerror=alert(1)>\": 0.2\n  \"a|b`c\": 0.3")
        try Self.attach([hostile], to: commit, in: repo)
        try expectGolden("hostile-show.md", try repo.recipe("show", "6666ffff", "--format", "markdown"))
        try expectGolden("hostile-log.md", try repo.recipe("log", "--format", "markdown"))
        try expectGolden("hostile-log.txt", try repo.recipe("log"))
        let markdown = [try repo.recipe("show", "6666ffff", "--format", "markdown").stdout, try repo.recipe("log", "--format", "markdown").stdout]
        for output in markdown + [try repo.recipe("log").stdout, try repo.recipe("show", "6666ffff").stdout] {
            #expect(!output.contains("\u{1B}") && !output.contains("\u{07}"), "no control character reaches a terminal: \(output)")
        }
        for output in markdown {
            #expect(!output.contains("![t]") && !output.contains("<img"), "no image, no HTML in Markdown: \(output)")
        }
    }

    /// Ten thousand documents on one commit: log took 10.5 s and show 24 s, each adding a
    /// run looked up every earlier one. Bounded in CPU time, which a busy machine does not
    /// stretch as it does wall time.
    @Test func tenThousandRunsOnOneCommitReadInLinearTime() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("train.py", "print(1)\n")
        let commit = try Self.commit(repo, "first", at: "2026-11-20T10:00:00Z")
        let documents = (0..<10_000).map { index in
            Self.manifest(
                id: "20261120T100000Z-\(String(format: "%08x", index))", commit: commit, seed: index, lr: "0.01",
                accuracy: "0.5", loss: "0.2", model: "d")
        }
        try Self.attach(documents, to: commit, in: repo)
        for arguments in [["log", "--expand"], ["show", "00001234"]] {
            let result = try run(
                "/usr/bin/time", ["-f", "cpu %U %S", "\(BuiltProducts.directory)/git-recipe"] + arguments,
                in: repo.path, environment: repo.environment)
            #expect(result.status == 0, "\(result.stderr.prefix(500))")
            let cpu =
                result.stderr.split(separator: "\n").last { $0.hasPrefix("cpu ") }?.split(separator: " ").dropFirst()
                .compactMap { Double($0) }.reduce(0, +) ?? .infinity
            #expect(cpu < 20, "\(arguments): \(cpu) s of CPU in a debug build")
            if arguments[0] == "log" {
                #expect(result.stdout.split(separator: "\n").count == 10_000)
            } else {
                #expect(result.stdout.contains("id: \"20261120T100000Z-00001234\""))
            }
        }
    }

    /// A note holding something that is not a run record was skipped in silence.
    @Test func aDocumentThatIsNotARunRecordIsWarnedAbout() throws {
        let (repo, first, _) = try Self.history()
        let note = try repo.git("notes", "--ref=recipes", "show", first)
        try repo.write("note.yaml", note + "\n---\nnot: a run\n---\n[unclosed\n")
        try repo.git("notes", "--ref=recipes", "add", "-f", "-F", "note.yaml", first)
        let log = try repo.recipe("log")
        #expect(log.status == 0)
        #expect(
            log.stderr
                == "warning: the note on \(first.prefix(12)) holds 2 documents that are not a run record; skipped (see it: git notes --ref=recipes show \(first.prefix(12)))\n",
            "\(log)")
        #expect(log.stdout.split(separator: "\n").count == 3, "the runs are still listed: \(log)")
    }

    @Test func showPrintsTheRecordedDocumentAsGitDoes() throws {
        let (repo, _, second) = try Self.history()
        let shown = try repo.recipe("show", "5555eeee")
        #expect(shown.status == 0, "\(shown)")
        #expect(
            shown.stdout == "---\n"
                + Self.manifest(
                    id: "20261121T100000Z-5555eeee", commit: second, seed: 42, lr: "0.02", accuracy: "0.97",
                    loss: "0.15", model: "1", python: "Python 3.11.7"))
        #expect(try repo.recipe("show", "HEAD").stdout == shown.stdout, "REV names the runs on that commit")
    }

    @Test func jsonOutputsParseBack() throws {
        let (repo, first, second) = try Self.history()
        let log = try #require(try parse(repo.recipe("log", "--format", "json")) as? [[String: Any]])
        #expect(log.count == 3, "the sweep is one entry")
        #expect(log[0]["id"] as? String == "20261121T100000Z-5555eeee")
        #expect(log[0]["commit"] as? String == second)
        #expect(log[0]["seconds"] as? Int == 65)
        let sweep = try #require(log.first { $0["sweep"] as? String == "sweep-5eed5eed" })
        #expect((sweep["runs"] as? [[String: Any]])?.compactMap { $0["seed"] as? Int } == [0, 1, 2])
        let accuracy = try #require((sweep["metrics"] as? [String: Any])?["accuracy"] as? [String: Any])
        #expect(accuracy["n"] as? Int == 3)
        #expect(abs((accuracy["mean"] as? Double ?? 0) - 0.95) < 1e-12)
        #expect(abs((accuracy["std"] as? Double ?? 0) - 0.01) < 1e-12)
        #expect((accuracy["ci95"] as? [Double])?.count == 2)

        let shown = try #require(try parse(repo.recipe("show", "HEAD~1", "--format", "json")) as? [[String: Any]])
        #expect(shown.count == 4)
        #expect(shown[0]["seed"] as? Int == 42)
        #expect((shown[0]["params"] as? [String: Any])?["lr"] as? Double == 0.01)
        #expect(shown[0]["started"] as? String == "2026-11-20T10:00:00Z", "timestamps stay text")
        #expect(shown[0]["attached_to"] as? String == first)

        let diff = try #require(try parse(repo.recipe("diff", "1111aaaa", "5555eeee", "--format", "json")) as? [String: Any])
        let rows = try #require(((diff["pairs"] as? [[String: Any]])?.first?["rows"]) as? [[String: Any]])
        let accuracyRow = try #require(rows.first { $0["key"] as? String == "accuracy" })
        #expect(abs((accuracyRow["delta"] as? Double ?? 0) - 0.02) < 1e-12)
        #expect(abs((accuracyRow["relative"] as? Double ?? 0) - 0.02 / 0.95) < 1e-12)
        #expect(rows.contains { $0["section"] as? String == "params" && $0["key"] as? String == "lr" })
        #expect(!rows.contains { $0["key"] as? String == "epochs" }, "equal values are left out without --all")
        let all = try #require(try parse(repo.recipe("diff", "1111aaaa", "5555eeee", "--all", "--format", "json")) as? [String: Any])
        #expect("\(all)".contains("epochs"))
    }

    func parse(_ result: CommandResult) throws -> Any {
        #expect(result.status == 0, "\(result)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    @Test func logFiltersAndLimits() throws {
        let (repo, _, _) = try Self.history()
        let lines = { (arguments: [String]) in try repo.recipe(["log"] + arguments).stdout.split(separator: "\n") }
        #expect(try lines(["--expand"]).count == 5)
        #expect(try lines(["--limit", "1"]).count == 1)
        #expect(try lines(["-n", "1"]) == (try lines(["--limit", "1"])))
        #expect(try lines(["HEAD~1..HEAD"]).count == 1)
        #expect(try lines(["--recipe", "other"]).isEmpty)
        #expect(try lines(["--status", "failed"]).isEmpty)
        let invalid = try repo.recipe("log", "--status", "exploded")
        #expect(invalid.status == 2)
        let unknown = try repo.recipe("log", "nowhere..HEAD")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("error: unknown revision or range 'nowhere..HEAD'"))
    }

    @Test func unknownAndAmbiguousNamesListWhatExists() throws {
        let (repo, first, _) = try Self.history()
        let unknown = try repo.recipe("show", "no-such-run")
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "error: no run, sweep or revision is named 'no-such-run'; list runs with: git recipe log\n")
        // "1111aaaa" ends one run's id; "aaaa" ends two (and abbreviates no commit).
        #expect(try repo.recipe("show", "1111aaaa").status == 0)
        let ambiguous = try repo.recipe("show", "aaaa")
        #expect(ambiguous.status == 2)
        #expect(
            ambiguous.stderr == """
                error: 'aaaa' is ambiguous; it could name:
                  run 20261120T100000Z-1111aaaa (train, succeeded, on \(first.prefix(12)))
                  run 20261120T110001Z-4444aaaa (train, succeeded, on \(first.prefix(12)))
                give more of the run id

                """, "\(ambiguous.stderr)")
        let noRecipe = try repo.recipe("show", "HEAD:evaluate")
        #expect(noRecipe.status == 2)
        #expect(noRecipe.stderr.contains("no run of 'evaluate' is recorded on"))
        #expect(noRecipe.stderr.contains("it has runs of: train"))
        try repo.write("x", "x")
        _ = try Self.commit(repo, "no runs here", at: "2026-11-22T10:00:00Z")
        let bare = try repo.recipe("show", "HEAD")
        #expect(bare.status == 2)
        #expect(bare.stderr.contains("no runs are recorded on"))
    }
}

extension ReviewTests {
    /// A real run, then `git rebase` with `notes.rewriteRef` (which `init` sets): git
    /// copies the note to the rewritten commit, and review shows the run as inherited.
    @Test func runsCarriedByARebaseAreInherited() throws {
        let repo = try RunCommandTests.project(RunCommandTests.echo)
        try repo.git("config", "--add", "notes.rewriteRef", "refs/notes/recipes")
        #expect(try repo.recipe("run", "r").status == 0)
        let original = try repo.git("rev-parse", "HEAD")
        try repo.git("checkout", "-q", "-b", "elsewhere", "HEAD~1")
        try repo.write("README.md", "another line of work\n")
        try repo.commitAll("elsewhere")
        try repo.git("checkout", "-q", "main")
        try repo.git("rebase", "-q", "elsewhere")
        let rewritten = try repo.git("rev-parse", "HEAD")
        #expect(original != rewritten)
        let log = try repo.recipe("log")
        #expect(log.stdout.hasPrefix(String(rewritten.prefix(12))), "\(log)")
        #expect(log.stdout.contains("(inherited from \(original.prefix(12)))"), "\(log)")
        let shown = try repo.recipe("show", "HEAD")
        #expect(shown.stdout.hasPrefix("# attached to \(rewritten); inherited from \(original), where it ran\n---\n"), "\(shown)")
        #expect(try repo.recipe("show", "HEAD", "--format", "markdown").stdout.contains("inherited from `\(original.prefix(12))`, where it ran"))
        // By id, the run is where it ran: that commit still carries its note.
        #expect(
            try repo.recipe(
                "show", "--format", "json",
                try repo.git("notes", "--ref=recipes", "show", "HEAD")
                    .split(separator: "\n").first { $0.hasPrefix("id: ") }!.dropFirst(4).trimmingCharacters(in: ["\""])
            ).stdout
                .contains("\"attached_to\": \"\(original)\""))
    }

    @Test func initSetsTheNotesConfigurationOnce() throws {
        let repo = try TemporaryGitRepository()
        #expect(try repo.recipe("init", "--no-hooks").status == 0)
        #expect(try repo.recipe("init", "--no-hooks").status == 0)
        #expect(try repo.git("config", "--get-all", "notes.rewriteRef") == "refs/notes/recipes\nrefs/notes/recipes-attestations")
        #expect(try repo.git("config", "notes.recipes.mergeStrategy") == "union")
    }
}
