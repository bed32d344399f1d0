import Foundation
import TestSupport
import Testing

/// `git recipe test`: a component's tests run its command on fixtures in a
/// scratch directory, and hold its outputs to their contracts and its metrics to bounds.
@Suite("Component tests")
struct ComponentTestCommandTests {
    /// A component that scores a table: `acc` is the share of rows whose label is 1, and it
    /// writes `label` as text when `spoil` is set.
    static let component = """
        version: 1
        description: scores a labelled table
        inputs:
          table: {kind: file, format: csv, columns: {id: int, label: int}}
        outputs:
          scores: {kind: file, default: out/scores.json, metrics: true, format: json, schema: {type: object, required: [acc]}}
          labels: {kind: file, format: csv, columns: {label: int}}
        params: {spoil: false}
        files: [score.py]
        run: python3 score.py {{inputs.table}} {{outputs.scores}} {{outputs.labels}} {{params.spoil}}
        tests:
          small:
            inputs: {table: fixtures/small.csv}
            metrics: {acc: {min: 0.5, max: 1}}
          strict:
            inputs: {table: fixtures/small.csv}
            metrics: {acc: {min: 0.9}}
          spoiled:
            inputs: {table: fixtures/small.csv}
            params: {spoil: true}

        """
    static let script = """
        import csv, json, os, sys
        rows = list(csv.DictReader(open(sys.argv[1])))
        for path in sys.argv[2:4]:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        json.dump({"acc": sum(int(row["label"]) for row in rows) / len(rows)}, open(sys.argv[2], "w"))
        with open(sys.argv[3], "w") as out:
            out.write("label\\n" + "".join(("yes" if sys.argv[4] == "true" else row["label"]) + "\\n" for row in rows))

        """

    static func project() throws -> TemporaryGitRepository {
        try RunCommandTests.project(
            "version: 1\nseed: 0\nsteps:\n  s: {run: 'true'}\n",
            files: [
                ".recipes/components/score.yaml": component, "score.py": script, "fixtures/small.csv": "id,label\n1,1\n2,1\n3,0\n",
            ])
    }

    @Test func eachTestIsReportedAndAFailingOneFailsTheCommand() throws {
        let repo = try Self.project()
        let result = try repo.recipe("test")
        #expect(result.status == 1, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("ok   score/small (") }, "\(result)")
        #expect(
            lines.contains { $0.hasPrefix("FAIL score/strict (") && $0.hasSuffix("metric 'acc' is 0.6666666666666666, below its minimum 0.9") },
            "\(result)")
        #expect(
            lines.contains {
                $0.hasPrefix("FAIL score/spoiled (")
                    && $0.hasSuffix("its output breaks its contract: out/labels: row 1 (line 2), column 'label': 'yes' is not an int")
            },
            "\(result)")
        #expect(lines.last == "1 passed, 2 failed", "\(result)")
        #expect(try repo.git("status", "--porcelain") == "")
        #expect(!repo.directory.exists("out"))

        // The two failed tests' directories stay for their logs, until gc.
        let tests = "\(repo.path)/.git/recipes/tests"
        #expect(try FileManager.default.contentsOfDirectory(atPath: tests).count == 2)
        let gc = try repo.recipe("gc")
        #expect(gc.stdout.hasPrefix("removed 2 failed component test directories (git recipe test)\n"), "\(gc)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tests).isEmpty)
    }

    @Test func oneComponentAtATimeOrAnUnknownOne() throws {
        let repo = try Self.project()
        try repo.write(".recipes/components/score.yaml", Self.component.components(separatedBy: "  strict:")[0])
        let passing = try repo.recipe("test", "score")
        #expect(passing.status == 0, "\(passing)")
        #expect(passing.stdout.hasSuffix("1 passed, 0 failed\n"), "\(passing)")
        let unknown = try repo.recipe("test", "scorer")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no component 'scorer' (.recipes/components/scorer.yaml does not exist); components: score"), "\(unknown)")
    }

    @Test func aTestThatBindsNoInputOrAnUndeclaredParamIsInvalid() throws {
        let repo = try Self.project()
        try repo.write(
            ".recipes/components/score.yaml",
            Self.component.replacingOccurrences(of: "    params: {spoil: true}", with: "    params: {spill: true}")
                .replacingOccurrences(of: "  strict:\n    inputs: {table: fixtures/small.csv}\n", with: "  strict:\n"))
        let result = try repo.recipe("validate")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("test 'strict' does not bind input 'table', which has no default"), "\(result)")
        #expect(result.stderr.contains("test 'spoiled' sets param 'spill', which the component does not declare"), "\(result)")
    }

    @Test func theCatalogDescribesEachComponentAndWhoUsesIt() throws {
        let repo = try Self.project()
        try repo.write(
            ".recipes/components/score.yaml",
            Self.component.replacingOccurrences(
                of: "description: scores a labelled table\n",
                with: "description: scores a labelled table\nrationale: the share of positive labels is the baseline any model must beat\n"
                    + "tradeoffs: ignores the features | use fit for a real model\n"))
        try repo.write(
            ".recipes/other.yaml",
            "version: 1\nseed: 0\nsteps:\n  baseline:\n    uses: score\n    with: {table: fixtures/small.csv, labels: out/labels.csv}\n")
        try ReviewTests().expectGolden("components.md", try repo.recipe("components", "--format", "markdown"))
        let text = try repo.recipe("components")
        #expect(text.stdout.hasPrefix("score — scores a labelled table\n  in  table (file): csv: id int, label int\n"), "\(text)")
        #expect(text.stdout.contains("  used by: other (step baseline)\n"), "\(text)")
        let json = try repo.recipe("components", "--format", "json")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.first?["tests"] as? [String] == ["small", "strict", "spoiled"])
    }
}
