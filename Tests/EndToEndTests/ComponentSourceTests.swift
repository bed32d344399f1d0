import Foundation
import TestSupport
import Testing

/// Components pinned from another repository, through the real git CLI: one
/// repository plays the group that publishes components, another the project that uses them.
@Suite("Pinned component sources")
struct ComponentSourceTests {
    /// The other group's component: counts a table's rows, times `scale`.
    static let component = """
        version: 1
        description: counts the rows of a labelled table
        inputs:
          table: {kind: file, format: csv, columns: {label: int}}
        outputs:
          scores: {kind: file, default: out/scores.json, metrics: true, format: json, schema: {type: object, required: [rows]}}
        params: {scale: 1}
        files: [lab/count.py]
        run: python3 {{component.dir}}/lab/count.py {{inputs.table}} {{outputs.scores}} {{params.scale}}
        tests:
          small:
            inputs: {table: fixtures/small.csv}
            metrics: {rows: {min: 2}}

        """

    /// The component's script; `factor` changes what a new commit computes.
    static func script(factor: Int) -> String {
        """
        import json, os, sys
        rows = open(sys.argv[1]).read().strip().split("\\n")[1:]
        os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
        json.dump({"rows": len(rows) * int(sys.argv[3]) * \(factor)}, open(sys.argv[2], "w"))

        """
    }

    /// The project's recipe: one step of its own writes a table, the pinned component scores it.
    static let recipe = """
        version: 1
        seed: 0
        steps:
          table:
            run: mkdir -p out && printf 'label\\n1\\n0\\n1\\n' > out/table.csv
            outputs: [out/table.csv]
          score:
            uses: lab/count
            with: {table: out/table.csv}
            params: {scale: 2}

        """

    /// The components' repository with one commit; its id.
    static func components() throws -> (TemporaryGitRepository, String) {
        let repo = try TemporaryGitRepository()
        try repo.write(".recipes/components/count.yaml", component)
        try repo.write("lab/count.py", script(factor: 1))
        try repo.write("fixtures/small.csv", "label\n1\n0\n")
        try repo.commitAll("count rows")
        return (repo, try repo.git("rev-parse", "HEAD"))
    }

    /// Where `rev:` starts on the third line of ``config(url:rev:)``: `LINE:COLUMN`.
    static func revPlace(url: String) -> String {
        let line = config(url: url, rev: "").split(separator: "\n")[2]
        return "3:\(line.distance(from: line.startIndex, to: line.range(of: "rev: ")!.upperBound) + 1)"
    }

    /// The settings file pinning `url` at `rev`.
    static func config(url: String, rev: String) -> String {
        "version: 1\ncomponents:\n  lab: {url: \(url), rev: \(rev)}  # the other group's components\n"
    }

    /// A project that pins `source` at `rev`, uses its component, and has its hooks installed.
    static func project(source: TemporaryGitRepository, rev: String, recipe: String = recipe) throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        try repo.write(".gitignore", "out/\n")
        try repo.write(".recipes/config.yaml", config(url: source.path, rev: rev))
        try repo.write(".recipes/score.yaml", recipe)
        #expect(try repo.recipe("hook", "install").status == 0)
        return repo
    }

    @Test func pinRunUpdateAndRunOffline() throws {
        let (source, first) = try Self.components()
        let repo = try Self.project(source: source, rev: first)

        // Offline commands name the fetch; lock fetches and pins the commit and the files.
        let offline = try repo.recipe("validate")
        #expect(offline.status == 2, "\(offline)")
        #expect(
            offline.stderr.contains(
                ".recipes/config.yaml:\(Self.revPlace(url: source.path)): error: component source 'lab' is pinned to \(first), which is not fetched here "
                    + "(from \(source.path)); run: git recipe components fetch lab"), "\(offline)")
        #expect(!offline.stderr.contains("unknown component"), "\(offline)")
        let lock = try repo.recipe("lock")
        #expect(lock.status == 0, "\(lock)")
        #expect(lock.stderr.contains("fetching component source 'lab' at \(first) from \(source.path)"), "\(lock)")
        let locked = try repo.read(".recipes/score.lock")
        #expect(locked.contains("components:\n  lab:\n    commit: ") && locked.contains(first), "\(locked)")
        #expect(locked.contains("      lab/count.py: sha256:"), "\(locked)")
        #expect(locked.contains("      \".recipes/components/count.yaml\": sha256:"), "\(locked)")
        try repo.commitAll("score with the lab's component")

        let ran = try repo.recipe("run", "score")
        #expect(ran.status == 0, "\(ran)")
        let firstRun = try #require(ran.stdout.split(separator: " ").dropFirst().first.map(String.init))
        #expect(try repo.read("out/scores.json") == "{\"rows\": 6}")
        // The component's files were written under the run's directory, not the work tree.
        #expect(try repo.git("status", "--porcelain") == "")
        #expect(!repo.directory.exists("lab"))
        // The run's record names the source, and its provenance lists it: URL, commit, files.
        let record = try repo.git("notes", "--ref=recipes", "show", "HEAD")
        #expect(record.contains("components:\n  lab:\n    url: \(source.path)\n    commit: "), "\(record)")
        let exports = try TemporaryDirectory("git-recipe-exports")
        try ExportTests.exportAndCheck(firstRun, in: repo, directory: exports.path)
        let statement = try String(contentsOfFile: exports.path + "/in-toto", encoding: .utf8)
        #expect(statement.contains("\"uri\": \"git+\(source.path)\""), "\(statement)")
        #expect(statement.contains("\"gitCommit\": \"\(first)\""), "\(statement)")
        #expect(statement.contains("\"name\": \"component-source:lab/lab/count.py\""), "\(statement)")

        let again = try repo.recipe("run", "score")
        #expect(again.status == 0, "\(again)")
        let note = try repo.git("notes", "--ref=recipes", "show", "HEAD")
        #expect(note.components(separatedBy: "cached:").count == 3, "both steps of the second run come from the cache:\n\(note)")

        // The other group publishes a new version; update pins it and relocks.
        try source.write("lab/count.py", Self.script(factor: 10))
        try source.commitAll("count in tens")
        try source.git("tag", "v2")
        let second = try source.git("rev-parse", "HEAD")
        let update = try repo.recipe("components", "update", "lab", "--rev", "v2")
        #expect(update.status == 0, "\(update)")
        #expect(update.stdout.contains("lab: \(first.prefix(12)) → \(second.prefix(12)) (v2)"), "\(update)")
        #expect(try repo.read(".recipes/config.yaml") == Self.config(url: source.path, rev: second), "the comment and layout stay")
        #expect(try repo.read(".recipes/score.lock").contains(second))

        // Committing the new pin without the new lock is blocked, and says what changed.
        try repo.git("add", ".recipes/config.yaml")
        let blocked = try run("git", ["commit", "-q", "-m", "bump the lab's components"], in: repo.path, environment: repo.environment)
        #expect(blocked.status != 0, "\(blocked)")
        #expect(blocked.stderr.contains("the commit of component source 'lab': \(first) → \(second)"), "\(blocked)")
        #expect(blocked.stderr.contains("file 'lab/count.py' of component source 'lab'"), "\(blocked)")
        try repo.git("add", ".recipes/score.lock")
        try repo.git("commit", "-q", "-m", "bump the lab's components")

        // A reproduction fetches what its run's commit pins, here the first commit again.
        try FileManager.default.removeItem(atPath: "\(repo.path)/.git/recipes/components.git")
        let reproduced = try repo.recipe("reproduce", firstRun)
        #expect(reproduced.status == 0, "\(reproduced)")
        #expect("\(reproduced)".contains("fetching component source 'lab' at \(first) from \(source.path)"), "\(reproduced)")
        #expect(reproduced.stdout.contains("verdict: exact"), "\(reproduced)")
        // Verify never fetches; what a range pins is fetched with --at, as the CI templates do.
        try FileManager.default.removeItem(atPath: "\(repo.path)/.git/recipes/components.git")
        let unfetched = try repo.recipe("verify", "HEAD~1..HEAD")
        #expect(unfetched.status == 1 && "\(unfetched)".contains("run: git recipe components fetch lab"), "\(unfetched)")
        let fetched = try repo.recipe("components", "fetch", "--at", "HEAD~1..HEAD")
        #expect(fetched.stdout == "fetched 1 component source\n", "\(fetched)")
        #expect(try repo.recipe("verify", "HEAD~1..HEAD").status == 0)

        // Once fetched, nothing needs the other repository: it is gone, and the run works.
        try FileManager.default.removeItem(atPath: source.path)
        let later = try repo.recipe("run", "score")
        #expect(later.status == 0, "\(later)")
        #expect(try repo.read("out/scores.json") == "{\"rows\": 60}")
        let tested = try repo.recipe("test", "lab/count")
        #expect(tested.status == 0, "\(tested)")
        #expect(tested.stdout.contains("ok   lab/count/small ("), "\(tested)")
        #expect(try repo.recipe("verify").status == 0)
    }

    @Test func aBranchOrTagInRevIsRefusedAndUpdateFixesIt() throws {
        let (source, first) = try Self.components()
        let repo = try Self.project(source: source, rev: "main")
        // A relative path is a URL as for git clone run in the work tree: the sibling repository.
        let sibling = "../" + URL(fileURLWithPath: source.path).lastPathComponent
        try repo.write(".recipes/config.yaml", Self.config(url: sibling, rev: "main"))
        let refused = try repo.recipe("validate")
        #expect(refused.status == 2, "\(refused)")
        #expect(
            refused.stderr.contains(
                ".recipes/config.yaml:\(Self.revPlace(url: sibling)): error: rev 'main' of component source 'lab' is not a commit: pin 40 hex digits, since a branch "
                    + "or tag moves; run: git recipe components update lab --rev main"), "\(refused)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "one error, not one per step that uses the source:\n\(refused)")
        let update = try repo.recipe("components", "update", "lab", "--rev", "main")
        #expect(update.status == 0, "\(update)")
        #expect(try repo.read(".recipes/config.yaml") == Self.config(url: sibling, rev: first))
        #expect(try repo.recipe("validate").status == 0)
    }

    /// Commands started at once on a fresh clone each fetch what is missing.
    @Test func fetchesAtOnceAllSucceed() throws {
        let (source, first) = try Self.components()
        let repo = try Self.project(source: source, rev: first)
        let binary = "\(BuiltProducts.directory)/git-recipe"
        for _ in 0..<3 {
            try? FileManager.default.removeItem(atPath: "\(repo.path)/.git/recipes/components.git")
            let statuses = try runConcurrently(
                Array(repeating: (binary, ["components", "fetch"], repo.path), count: 6), environment: repo.environment)
            #expect(statuses == Array(repeating: 0, count: 6))
        }
        #expect(try repo.recipe("validate").status == 0)
    }

    @Test func anUnreachableSourceOrAMissingCommitFailsAndLeavesNoRef() throws {
        let (source, _) = try Self.components()
        let missing = String(repeating: "ab", count: 20)
        let nowhere = "\(source.path)-gone"
        let repo = try Self.project(source: source, rev: missing)
        try repo.write(".recipes/config.yaml", Self.config(url: nowhere, rev: missing))
        let unreachable = try repo.recipe("components", "fetch")
        #expect(unreachable.status == 1, "\(unreachable)")
        #expect(unreachable.stderr.contains("error: cannot fetch \(missing) from component source \(nowhere):"), "\(unreachable)")
        #expect(unreachable.stderr.contains("does not appear to be a git repository"), "\(unreachable)")
        try repo.write(".recipes/config.yaml", Self.config(url: source.path, rev: missing))
        let absent = try repo.recipe("lock")
        #expect(absent.status == 1, "\(absent)")
        #expect(absent.stderr.contains("the repository has no commit \(missing)"), "\(absent)")
        let refs = try run("git", ["--git-dir=.git/recipes/components.git", "for-each-ref"], in: repo.path, environment: repo.environment)
        #expect(refs.status == 0 && refs.stdout.isEmpty, "no ref is left by failed fetches: \(refs)")
        #expect(!repo.directory.exists(".recipes/score.lock"))
    }

    @Test func aBrokenComponentInTheSourceIsReportedWhereItIs() throws {
        let (source, _) = try Self.components()
        try source.write(".recipes/components/count.yaml", Self.component.replacingOccurrences(of: "format: csv", with: "format: cvs"))
        try source.commitAll("typo")
        let broken = try source.git("rev-parse", "HEAD")
        let repo = try Self.project(source: source, rev: broken)
        #expect(try repo.recipe("components", "fetch").status == 0)
        let result = try repo.recipe("validate")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("lab@\(broken.prefix(12))/.recipes/components/count.yaml:4:"), "\(result)")
        #expect(result.stderr.contains("cvs"), "\(result)")
    }

    @Test func aSourceCannotEscapeOrRunAnythingBeforeARun() throws {
        let (source, _) = try Self.components()
        let marker = "\(source.path)-ran"
        let hostile = Self.component
            .replacingOccurrences(of: "files: [lab/count.py]", with: "files: [lab/count.py, ../../outside.txt, lab/link]")
            .replacingOccurrences(of: "run: python3", with: "run: touch \(marker) && python3")
        try source.write(".recipes/components/count.yaml", hostile)
        try FileManager.default.createSymbolicLink(atPath: "\(source.path)/lab/link", withDestinationPath: "/etc/passwd")
        try source.commitAll("hostile")
        let commit = try source.git("rev-parse", "HEAD")
        let repo = try Self.project(source: source, rev: commit)
        #expect(try repo.recipe("components", "fetch").status == 0)
        let result = try repo.recipe("validate")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("lab@\(commit.prefix(12))/.recipes/components/count.yaml:"), "\(result)")
        #expect(result.stderr.contains("'../../outside.txt'"), "\(result)")
        #expect(
            result.stderr.contains("'lab/link' is a symbolic link in component source 'lab'; a pinned component's files must be regular files"),
            "\(result)")
        #expect(try repo.recipe("lock").status == 2)
        try repo.git("add", "-A")
        #expect(try run("git", ["commit", "-q", "-m", "hostile"], in: repo.path, environment: repo.environment).status != 0)
        #expect(!FileManager.default.fileExists(atPath: marker), "nothing of the source ran at fetch, validate, lock or hook time")

        // The same command in a valid component: still nothing at update (fetch, validate,
        // lock) or commit (the hook) time; the run alone runs it, so the marker can tell.
        try source.write(".recipes/components/count.yaml", hostile.replacingOccurrences(of: ", ../../outside.txt, lab/link", with: ""))
        try source.commitAll("valid again")
        #expect(try repo.recipe("components", "update", "lab").status == 0)
        try repo.commitAll("the valid component")
        #expect(!FileManager.default.fileExists(atPath: marker), "nothing ran at update or hook time")
        #expect(try repo.recipe("run", "score").status == 0)
        #expect(FileManager.default.fileExists(atPath: marker), "the run ran the component's command")
        try? FileManager.default.removeItem(atPath: marker)
    }
}
