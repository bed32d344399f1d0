import Foundation
import TestSupport
import Testing

/// `contracts:` on a step's inputs and outputs: an input is judged before the
/// step runs, an output once it is written; a violation fails the step, named with its
/// place and rule, and is recorded.
@Suite("Data contracts in runs")
struct DataContractTests {
    /// A two-step recipe: `prepare` writes a CSV from `data/raw.tsv`; `train` reads it and
    /// writes metrics. `bad` (a value) goes into row 2's label.
    static func recipe(label: String = "1") -> String {
        """
        version: 1
        seed: 0
        steps:
          prepare:
            run: mkdir -p out && printf 'id,label\\n1,0\\n2,\(label)\\n' > out/train.csv
            inputs: [data/raw.tsv]
            outputs: [out/train.csv]
            contracts:
              data/raw.tsv: {format: tsv, columns: {text: string, score: float}}
              out/train.csv: {format: csv, columns: {id: int, label: int}}
          train:
            run: |
              mkdir -p out/eval && echo '{"acc": 0.75}' > out/eval/metrics.json && touch out/trained
            inputs: [out/train.csv]
            outputs: [out/eval/, out/trained]
            contracts:
              out/eval/: {format: dir, contains: ["*.json"]}
              out/eval/metrics.json: {format: json, schema: {type: object, required: [acc], properties: {acc: {type: number, maximum: 1}}}}

        """
    }

    static func project(label: String = "1", raw: String = "text\tscore\nhello\t0.5\n") throws -> TemporaryGitRepository {
        try RunCommandTests.project(recipe(label: label), files: ["data/raw.tsv": raw])
    }

    @Test func dataThatKeepsItsContractsRuns() throws {
        let repo = try Self.project()
        let result = try repo.recipe("run", "r")
        #expect(result.status == 0, "\(result)")
    }

    @Test func anOutputThatBreaksItsContractFailsItsStepAndIsRecorded() throws {
        let repo = try Self.project(label: "maybe")
        let result = try repo.recipe("run", "r")
        #expect(result.status == 3, "\(result)")
        let message = "its output breaks its contract: out/train.csv: row 2 (line 3), column 'label': 'maybe' is not an int"
        #expect(result.stderr.contains("step 'prepare' failed: \(message)"), "\(result)")
        #expect(!repo.directory.exists("out/trained"))
        let note = try repo.git("notes", "--ref=recipes", "show", "HEAD")
        #expect(note.contains(message), "\(note)")
    }

    @Test func anInputThatBreaksItsContractStopsTheStepBeforeItRuns() throws {
        let repo = try Self.project(raw: "text\tscore\nhello\thigh\n")
        let result = try repo.recipe("run", "r")
        #expect(result.status == 3, "\(result)")
        #expect(
            result.stderr.contains(
                "step 'prepare' failed: its input breaks its contract: data/raw.tsv: row 1 (line 2), column 'score': 'high' is not a float"),
            "\(result)")
        #expect(!repo.directory.exists("out/train.csv"))
    }

    @Test func aContractMustNameAnInputOrOutputAndAKnownFormat() throws {
        let repo = try Self.project()
        try repo.write(
            ".recipes/r.yaml",
            Self.recipe().replacingOccurrences(of: "data/raw.tsv: {format: tsv,", with: "data/other.tsv: {format: tsv,")
                .replacingOccurrences(of: "{format: csv, columns: {id: int, label: int}}", with: "{format: parquet}")
                .replacingOccurrences(of: "score: float", with: "score: decimal"))
        let result = try repo.recipe("validate")
        #expect(result.status == 2, "\(result)")
        #expect(
            result.stderr.contains(
                ".recipes/r.yaml:9:7: error: the contract of 'data/other.tsv' in step 'prepare' names none of its inputs or outputs"), "\(result)")
        #expect(result.stderr.contains("error: type of column 'score' must be one of 'int', 'float', 'string', 'bool', not 'decimal'"), "\(result)")
        #expect(result.stderr.contains("parquet"), "\(result)")
    }
}

/// Contracts on a component's ports: checked wherever the component is bound,
/// and held against the contract of the step that writes what it reads.
@Suite("Data contracts on components")
struct ComponentContractTests {
    static let component = """
        version: 1
        description: fits a model to a labelled table
        inputs:
          table: {kind: file, format: csv, columns: {id: int, label: int}}
        outputs:
          scores: {kind: file, default: out/scores.json, metrics: true, format: json, schema: {type: object, required: [acc]}}
        run: |
          mkdir -p out && echo '{"acc": 1}' > {{outputs.scores}}

        """

    static func recipe(columns: String) -> String {
        """
        version: 1
        seed: 0
        steps:
          prepare:
            run: mkdir -p out && printf 'id,label\\n1,0\\n' > out/train.csv
            outputs: [out/train.csv]
            contracts:
              out/train.csv: {format: csv, columns: {\(columns)}}
          fit:
            uses: fit
            with: {table: out/train.csv}

        """
    }

    @Test func aComponentsPortsAreCheckedWhereItIsBound() throws {
        let repo = try RunCommandTests.project(Self.recipe(columns: "id: int, label: int"), files: [".recipes/components/fit.yaml": Self.component])
        let result = try repo.recipe("run", "r")
        #expect(result.status == 0, "\(result)")
        try repo.write(".recipes/components/fit.yaml", Self.component.replacingOccurrences(of: #"{"acc": 1}"#, with: #"{"loss": 1}"#))
        try repo.commitAll("a component that forgets acc")
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("lock")
        let broken = try repo.recipe("run", "r")
        #expect(broken.status == 3, "\(broken)")
        #expect(broken.stderr.contains("step 'fit' failed: its output breaks its contract: out/scores.json: /: lacks required 'acc'"), "\(broken)")
    }

    @Test func validateFindsAWriterThatDoesNotSatisfyItsReader() throws {
        let repo = try RunCommandTests.project(Self.recipe(columns: "id: int, label: int"), files: [".recipes/components/fit.yaml": Self.component])
        try repo.write(".recipes/r.yaml", Self.recipe(columns: "id: int, label: string"))
        let result = try repo.recipe("validate")
        #expect(result.status == 2, "\(result)")
        #expect(
            result.stderr.contains(
                ".recipes/r.yaml:9:3: error: step 'fit' reads 'out/train.csv' under a contract that the contract of step 'prepare' does not satisfy: column 'label' is written as string, read as int"
            ),
            "\(result)")
        try repo.write(".recipes/r.yaml", Self.recipe(columns: "id: int"))
        let missing = try repo.recipe("validate")
        #expect(missing.stderr.contains("column 'label' is not among the columns written (id)"), "\(missing)")
    }
}
