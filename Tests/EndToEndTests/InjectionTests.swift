import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// No value from a parameter or a note ever becomes code (invariant 6 in docs/architecture.md).
@Suite("Values never become code")
struct InjectionTests {
    static let payloads = ["$(touch pwned)", "x;touch${IFS}pwned2;", "'; touch pwned3; '", "\"; touch pwned4; \"", "`touch pwned5`"]

    static func recipe(_ run: String) -> String {
        """
        version: 1
        seed: 1
        params: {msg: hello, lr: 0.1}
        steps:
          say:
            run: \(run)
            outputs: [out/said.txt]

        """
    }

    static func expectNothingRan(_ repo: TemporaryGitRepository, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: repo.path).filter { $0.hasPrefix("pwned") }
        #expect(files.isEmpty, "a value was executed: \(files)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        (#"mkdir -p out && echo "message={{params.msg}}" > out/said.txt"#, "6:29", "inside double quotes"),
        (#"mkdir -p out && echo 'message={{params.msg}}' > out/said.txt"#, "6:29", "inside single quotes"),
    ])
    func aPlaceholderInsideQuotesIsAValidationError(run: String, position: String, place: String) throws {
        let repo = try TemporaryGitRepository()
        try repo.write(".recipes/r.yaml", Self.recipe("'\(run.replacingOccurrences(of: "'", with: "''"))'"))
        let result = try repo.recipe("validate")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains(".recipes/r.yaml:\(position.split(separator: ":")[0]):"), "\(result)")
        #expect(result.stderr.contains("placeholder '{{params.msg}}' is \(place)"), "\(result)")
        #expect(result.stderr.contains("echo msg={{params.msg}}"), "the fix is named: \(result)")
        #expect(try repo.recipe("run", "r", "-p", "msg=$(touch pwned)").status == 2)
        try Self.expectNothingRan(repo)
    }

    @Test(arguments: payloads)
    func aHostileParamIsOneLiteralWord(payload: String) throws {
        let repo = try RunCommandTests.project(Self.recipe("mkdir -p out && echo message={{params.msg}} > out/said.txt"))
        let result = try repo.recipe("run", "r", "-p", "msg=\(payload)")
        #expect(result.status == 0, "\(result)")
        #expect(try repo.read("out/said.txt") == "message=\(payload)\n")
        try Self.expectNothingRan(repo)
    }

    /// A note is data from anyone who can push: `reproduce` checks its overrides against the
    /// recipe's declared params and types, and a string that passes stays a value.
    @Test func aPulledNotesOverridesStayValuesThroughReproduce() throws {
        let repo = try RunCommandTests.project(Self.recipe("mkdir -p out && echo message={{params.msg}} > out/said.txt"))
        #expect(try repo.recipe("run", "r").status == 0)
        let note = try repo.git("notes", "--ref=recipes", "show", "HEAD")
        let id = try #require(RunNote(parsing: note).documents.first?.id)
        let hostile = note.replacingOccurrences(of: "overrides: {}", with: "overrides:\n  msg: \"$(touch pwned)\"")
            .replacingOccurrences(of: "msg: hello", with: "msg: \"$(touch pwned)\"")
        #expect(hostile.contains("overrides:\n  msg:"), "\(note)")
        _ = try repo.git("notes", "--ref=recipes", "add", "-f", "-m", hostile, "HEAD")
        let reproduced = try repo.recipe("reproduce", id)
        #expect(reproduced.stdout.contains("output out/said.txt: "), "the value reached the step as text: \(reproduced)")
        try Self.expectNothingRan(repo)

        let wrongType = note.replacingOccurrences(of: "overrides: {}", with: "overrides:\n  lr: \"$(touch pwned)\"")
        _ = try repo.git("notes", "--ref=recipes", "add", "-f", "-m", wrongType, "HEAD")
        let refused = try repo.recipe("reproduce", id)
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains("lr"), "\(refused)")
        let unknown = note.replacingOccurrences(of: "overrides: {}", with: "overrides:\n  evil: \"$(touch pwned)\"")
        _ = try repo.git("notes", "--ref=recipes", "add", "-f", "-m", unknown, "HEAD")
        #expect(try repo.recipe("reproduce", id).status == 2)
        try Self.expectNothingRan(repo)
    }
}
