import Foundation
import TestSupport
import Testing

/// Probes run once per change of what they depend on, concurrently, and must be stable.
@Suite("Probes")
struct ProbeTests {
    /// A project whose probe runs `mytool` from `bin/` of a prefix outside the repository and
    /// counts its runs in `.git/probe-runs`.
    static func project() throws -> (repo: TemporaryGitRepository, prefix: TemporaryDirectory, environment: [String: String]) {
        let prefix = try TemporaryDirectory("git-recipe-prefix")
        try FileManager.default.createDirectory(atPath: "\(prefix.path)/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(prefix.path)/lib/python3.11/site-packages", withIntermediateDirectories: true)
        try tool(in: prefix, version: "1.0")
        let repo = try TemporaryGitRepository()
        try repo.write(".gitignore", "out/\n")
        try repo.write(
            ".recipes/r.yaml",
            """
            version: 1
            seed: 1
            environment:
              probes: {tool: mytool --version, other: mytool --name}
              vars: {MODE: fast}
            steps:
              s: {run: mkdir -p out && echo ok > out/x, outputs: [out/x]}

            """)
        let environment = ["PATH": "\(prefix.path)/bin:" + (repo.environment["PATH"] ?? "/usr/bin:/bin")]
        return (repo, prefix, environment)
    }

    static func tool(in prefix: TemporaryDirectory, version: String) throws {
        let path = "\(prefix.path)/bin/mytool"
        try "#!/bin/sh\necho x >> .git/probe-runs\necho \(version)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    static func runs(_ repo: TemporaryGitRepository) -> Int {
        ((try? repo.read(".git/probe-runs")) ?? "").split(separator: "\n").count
    }

    @Test func aProbeRunsAgainOnlyWhenSomethingItDependsOnChanges() throws {
        let (repo, prefix, environment) = try Self.project()
        let lock = try repo.recipe(["lock"], environment: environment)
        #expect(lock.status == 0, "\(lock)")
        #expect(Self.runs(repo) == 4, "lock runs each of the two probes twice")
        try repo.commitAll("locked")
        for command in [["lock", "--check"], ["status"], ["run", "r"]] {
            let result = try repo.recipe(command, environment: environment)
            #expect(result.status == 0, "\(result)")
        }
        #expect(Self.runs(repo) == 4, "status, lock --check and run take the cached output")

        var expected = 4
        func expectRunAgain(_ cause: String, environment: [String: String], sourceLocation: SourceLocation = #_sourceLocation) throws {
            let check = try repo.recipe(["lock", "--check"], environment: environment)
            expected += 2
            #expect(Self.runs(repo) == expected, "\(cause): \(check)", sourceLocation: sourceLocation)
            _ = try repo.recipe(["lock", "--check"], environment: environment)
            #expect(Self.runs(repo) == expected, "\(cause), then cached again", sourceLocation: sourceLocation)
        }
        _ = try repo.recipe(["lock", "--check"], environment: environment.merging(["UNRELATED": "1"]) { $1 })
        #expect(Self.runs(repo) == expected, "a variable the probe cannot depend on changes nothing")
        _ = try repo.recipe(["lock", "--check", "--refresh-probes"], environment: environment)
        expected += 2
        #expect(Self.runs(repo) == expected, "--refresh-probes runs them")
        try expectRunAgain("PATH", environment: ["PATH": environment["PATH"]! + ":/nonexistent"])
        try expectRunAgain("VIRTUAL_ENV", environment: environment.merging(["VIRTUAL_ENV": prefix.path]) { $1 })
        try Self.tool(in: prefix, version: "1.0 ")
        try expectRunAgain("the program", environment: environment)
        try FileManager.default.createDirectory(atPath: "\(prefix.path)/lib/python3.11/site-packages/sklearn", withIntermediateDirectories: true)
        try expectRunAgain("a package installed", environment: environment)
        try repo.write(".python-version", "3.11\n")
        try expectRunAgain(".python-version", environment: environment)
        try repo.write(".recipes/r.yaml", try repo.read(".recipes/r.yaml").replacingOccurrences(of: "MODE: fast", with: "MODE: slow"))
        try expectRunAgain("a variable of the recipe's environment.vars", environment: environment)
    }

    @Test func aProbeThatPrintsSomethingDifferentEachTimeIsRefusedAtLock() throws {
        let repo = try TemporaryGitRepository()
        try repo.write(
            ".recipes/r.yaml",
            """
            version: 1
            seed: 1
            environment:
              probes: {kedro: "echo kedro 0.19; date +%s%N"}
            steps:
              s: {run: "true"}

            """)
        let lock = try repo.recipe("lock")
        #expect(lock.status == 2, "\(lock)")
        #expect(
            lock.stderr.contains("error: recipe 'r': probe 'kedro' (echo kedro 0.19; date +%s%N) printed something different each time"), "\(lock)")
        #expect(lock.stderr.contains("line 2 was '"), "what varied is named: \(lock)")
        #expect(!FileManager.default.fileExists(atPath: "\(repo.path)/.recipes/r.lock"))
    }
}
