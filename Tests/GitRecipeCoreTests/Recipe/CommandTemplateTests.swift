import Foundation
import TestSupport
import Testing

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

    /// Quoting keeps a value one word only where the shell reads a bare word: anywhere else a
    /// value could close the quotes around it and run (`echo "m={{params.x}}"` with
    /// `$(touch pwned)` did).
    @Test(arguments: [
        ("echo \"m={{params.x}}\" > out", "inside double quotes"),
        ("echo 'm={{params.x}}'", "inside single quotes"),
        ("echo `printf %s {{params.x}}`", "inside backquotes"),
        ("echo ${A:-{{params.x}}}", "inside ${…}"),
        ("echo hi # {{params.x}}", "inside a comment"),
        ("cat <<EOF\n{{params.x}}\nEOF", "after a here-document operator (<<)"),
        ("echo \\{{params.x}}", "right after a backslash"),
        ("echo $(printf '%s' \"{{params.x}}\")", "inside double quotes"),
        ("echo ${{params.x}}", "right after '$'"),
    ])
    func aPlaceholderWhereQuotingCannotHoldIsRefused(command: String, place: String) {
        #expect(
            throws: TemplateError.unquotable(
                "params.x", place: place, offset: command.components(separatedBy: "{{params.x}}")[0].unicodeScalars.count)
        ) {
            try CommandTemplate(command)
        }
    }

    @Test(arguments: [
        "printf '%s|' m={{params.x}}",
        "printf '%s|' \"$(printf %s {{params.x}})\"",
        "true \"a\" 'b' # done\nprintf '%s|' a#{{params.x}}",
        "x=$((1 + 2)) && printf '%s|' {{params.x}}",
    ])
    func hostileValuesInBareWordsStayValues(command: String) throws {
        for value in ["$(touch pwned)", "x;touch${IFS}pwned2;", "'; touch pwned3; '", "`touch pwned4`", "\"; touch pwned5; \""] {
            let directory = try TemporaryDirectory()
            let template: CommandTemplate
            do {
                template = try CommandTemplate(command)
            } catch {
                Issue.record("\(command): \(error)")
                return
            }
            let result = try run(
                "/bin/sh", ["-c", try template.render { $0 == "params.x" ? value : nil }], in: directory.path,
                environment: ["PATH": "/usr/bin:/bin"])
            #expect(result.stdout.contains(value), "\(command) with \(value): \(result)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "nothing may be executed: \(command) with \(value)")
        }
    }

    @Test func plainWordsStayBareSoPlansReadNaturally() {
        #expect("data/prepared/".shellQuoted == "data/prepared/")
        #expect("0.01".shellQuoted == "0.01")
        #expect("-3e-05".shellQuoted == "-3e-05")
        #expect("a b".shellQuoted == "'a b'")
        #expect("".shellQuoted == "''")
        #expect("it's".shellQuoted == "'it'\\''s'")
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
