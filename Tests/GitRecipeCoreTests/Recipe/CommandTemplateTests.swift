import Foundation
import Testing
import TestSupport
@testable import GitRecipeCore

@Suite("Placeholder interpolation and shell quoting")
struct CommandTemplateTests {
    @Test func substitutesEachPlaceholder() throws {
        let template = try CommandTemplate("python3 train.py --lr {{params.lr}} --seed {{ seed }} --out {{run.dir}}/m")
        #expect(template.placeholders == ["params.lr", "seed", "run.dir"])
        let values = ["params.lr": "0.01", "seed": "42", "run.dir": ".git/recipes/runs/x"]
        #expect(try template.render { values[$0] } == "python3 train.py --lr 0.01 --seed 42 --out .git/recipes/runs/x/m")
    }

    @Test func aTemplateWithoutPlaceholdersIsItself() throws {
        #expect(try CommandTemplate("echo '{ not a placeholder }'").render { _ in nil } == "echo '{ not a placeholder }'")
    }

    @Test(arguments: [
        "'; rm -rf /",
        "it's \"quoted\"",
        "line one\nline two",
        "$(touch pwned) `touch pwned` ${HOME}",
        "a b\tc",
        "",
        "*.py ~ !x & | ; < > # \\",
        "ünïcødé 🙂",
    ])
    func hostileValuesArriveAsOneLiteralArgument(value: String) throws {
        let directory = try TemporaryDirectory()
        let command = try CommandTemplate("printf '%s|' {{params.x}}").render { $0 == "params.x" ? value : nil }
        let result = try run("/bin/sh", ["-c", command], in: directory.path, environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 0)
        #expect(result.stdout == value + "|")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "nothing may be executed")
    }

    @Test func plainWordsStayBareSoPlansReadNaturally() {
        #expect(CommandTemplate.shellQuote("data/prepared/") == "data/prepared/")
        #expect(CommandTemplate.shellQuote("0.01") == "0.01")
        #expect(CommandTemplate.shellQuote("-3e-05") == "-3e-05")
        #expect(CommandTemplate.shellQuote("a b") == "'a b'")
        #expect(CommandTemplate.shellQuote("") == "''")
        #expect(CommandTemplate.shellQuote("it's") == "'it'\\''s'")
    }

    @Test func malformedPlaceholdersAreErrorsWithTheirOffset() {
        #expect(throws: TemplateError.unclosed(offset: 5)) { try CommandTemplate("echo {{seed") }
        #expect(throws: TemplateError.unclosed(offset: 5)) { try CommandTemplate("echo {{seed {{params.x}}") }
        #expect(throws: TemplateError.invalidName("", offset: 0)) { try CommandTemplate("{{}}") }
        #expect(throws: TemplateError.invalidName("params..x", offset: 3)) { try CommandTemplate("ab {{params..x}}") }
        #expect(throws: TemplateError.invalidName("$(id)", offset: 0)) { try CommandTemplate("{{$(id)}}") }
    }

    @Test func anUnknownPlaceholderIsAnErrorNotAnEmptyString() throws {
        let template = try CommandTemplate("run {{params.missing}}")
        #expect(throws: TemplateError.unknown("params.missing", offset: 4)) { try template.render { _ in nil } }
    }
}
