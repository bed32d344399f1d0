import Foundation
import TestSupport
import Testing

/// `sandbox: true` under Debian's bubblewrap: a step sees only its declared
/// inputs, writes only its outputs, has no network, and a failure says how to find what it
/// read.
@Suite(
    "Sandboxed steps",
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") || ProcessInfo.processInfo.environment["CI"] != nil,
        "no bubblewrap here: apt-get install bubblewrap (scripts/install-deps.sh installs it)"))
struct SandboxTests {
    /// `prep` reads its declared input and writes a file and a directory output; `train`
    /// reads `prep`'s output; each says which network interfaces it sees.
    static let recipe = """
        version: 1
        seed: 1
        environment:
          sandbox: true
        steps:
          prep:
            run: mkdir -p out/parts && cat a.txt > out/p.txt && echo part > out/parts/one.txt
            inputs: [a.txt]
            outputs: [out/p.txt, out/parts/]
          train:
            run: cat out/p.txt out/parts/one.txt > out/m.txt && python3 -c "import socket; print([n for _, n in socket.if_nameindex()])" >> out/m.txt
            inputs: [out/p.txt, out/parts/]
            outputs: [out/m.txt]

        """

    @Test func aStepSeesItsDeclaredInputsWritesItsOutputsAndHasNoNetwork() throws {
        let repo = try RunCommandTests.project(Self.recipe, files: ["a.txt": "a\n", "secret.txt": "s\n"])
        let result = try repo.recipe("run", "r")
        #expect(result.status == 0, "\(result)")
        #expect(try repo.read("out/m.txt") == "a\npart\n['lo']\n")
        let manifest = try #require(try ReproduceTests.runs(repo).first).text
        #expect(manifest.contains("    isolation:\n      engine: bubblewrap 0.8.0\n      network: false\n"), "\(manifest)")
        #expect(try repo.git("status", "--porcelain").isEmpty)
    }

    @Test func anUndeclaredReadFailsAndSaysHowToFindWhatTheStepRead() throws {
        let recipe = Self.recipe.replacingOccurrences(of: "cat a.txt > out/p.txt", with: "cat a.txt secret.txt > out/p.txt")
        let repo = try RunCommandTests.project(recipe, files: ["a.txt": "a\n", "secret.txt": "s\n"])
        let result = try repo.recipe("run", "r")
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("secret.txt: No such file or directory"), "the file is not there for the step: \(result)")
        #expect(
            result.stderr.contains(
                "error: step 'prep' failed: its command exited with status 1 (log: git recipe logs "), "\(result)")
        #expect(
            result.stderr.contains(
                "; it ran sandboxed, seeing only its declared inputs and writing only its outputs: "
                    + "git recipe trace r prep lists what it reads and writes undeclared"), "\(result)")
        let traced = try repo.recipe("trace", "r", "prep")
        #expect(
            traced.stdout.contains("step 'prep' reads secret.txt, which it does not declare; add to the step: inputs: [a.txt, secret.txt]"),
            "\(traced)")
    }

    @Test func aWriteOutsideTheOutputsFailsAndTheRepositoryIsUntouched() throws {
        let recipe = Self.recipe.replacingOccurrences(of: "echo part > out/parts/one.txt", with: "echo part > out/parts/one.txt && echo x > a.txt")
        let repo = try RunCommandTests.project(recipe, files: ["a.txt": "a\n"])
        let result = try repo.recipe("run", "r")
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("a.txt: Read-only file system"), "\(result)")
        #expect(try repo.read("a.txt") == "a\n")
        #expect(try repo.git("status", "--porcelain").isEmpty)
    }

    @Test func anOutputTheStepNeverWroteIsMissingAsOutsideTheSandbox() throws {
        let recipe = Self.recipe.replacingOccurrences(of: " && echo part > out/parts/one.txt", with: "")
        let repo = try RunCommandTests.project(recipe, files: ["a.txt": "a\n"])
        let result = try repo.recipe("run", "r")
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("error: step 'prep' failed: it did not write its declared output 'out/parts/'"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: "\(repo.path)/out/parts"), "the empty mount point is gone")
    }

    @Test func aStepOptsOutOrInAndTheNetworkIsItsChoice() throws {
        let recipe = Self.recipe.replacingOccurrences(
            of: "    inputs: [out/p.txt, out/parts/]\n", with: "    inputs: [out/p.txt, out/parts/]\n    network: true\n"
        )
        .replacingOccurrences(of: "    inputs: [a.txt]\n", with: "    inputs: [a.txt]\n    sandbox: false\n")
        .replacingOccurrences(of: "cat a.txt > out/p.txt", with: "cat a.txt secret.txt > out/p.txt")
        let repo = try RunCommandTests.project(recipe, files: ["a.txt": "a\n", "secret.txt": "s\n"])
        let result = try repo.recipe("run", "r")
        #expect(result.status == 0, "prep runs on the host: \(result)")
        #expect(try repo.read("out/m.txt").hasPrefix("a\ns\npart\n['lo', "), "train has the network")
        let manifest = try #require(try ReproduceTests.runs(repo).first).text
        #expect(manifest.components(separatedBy: "    isolation:\n").count == 2, "only train ran sandboxed: \(manifest)")
        #expect(manifest.contains("      engine: bubblewrap 0.8.0\n      network: true\n"), "\(manifest)")
    }
}
