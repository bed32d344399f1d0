import Foundation
import TestSupport
import Testing

/// `git recipe trace` under Debian's strace: what a step reads or writes undeclared, found
/// in a scratch worktree, nothing recorded, the checkout untouched.
@Suite(
    "git recipe trace",
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") || ProcessInfo.processInfo.environment["CI"] != nil,
        "no strace here: apt-get install strace (scripts/install-deps.sh installs it)"))
struct TraceTests {
    static let recipe = """
        version: 1
        seed: 1
        params: {fail: 0}
        steps:
          prep:
            run: mkdir -p out && cat a.txt extra.txt > out/p.txt && echo x > stray.txt
            inputs: [a.txt]
            outputs: [out/p.txt]
          train:
            run: python3 -c "import sys; open('out/m.txt', 'w').write(open('out/p.txt').read()); sys.exit(int(sys.argv[1]))" {{params.fail}}
            inputs: [out/p.txt]
            outputs: [out/m.txt]

        """

    @Test func undeclaredReadsAndWritesAreListedWithTheirFix() throws {
        let repo = try RunCommandTests.project(Self.recipe, files: ["a.txt": "a\n", "extra.txt": "e\n"], ignore: "out/\n")
        let traced = try repo.recipe("trace", "r")
        #expect(traced.status == 1, "\(traced)")
        #expect(
            traced.stdout == """
                step 'prep' reads extra.txt, which it does not declare; add to the step: inputs: [a.txt, extra.txt]
                step 'prep' writes stray.txt outside its outputs; add to the step: outputs: [out/p.txt, stray.txt]
                step 'train': reads and writes only what it declares

                """, "an upstream output is a declared read: \(traced)")
        #expect(try repo.git("status", "--porcelain").isEmpty, "the checkout is untouched")
        #expect(!FileManager.default.fileExists(atPath: "\(repo.path)/out"), "nothing ran here")
        #expect(try repo.git("notes", "--ref=recipes", "list").isEmpty, "nothing is recorded")

        let one = try repo.recipe("trace", "r", "train")
        #expect(one.status == 0 && one.stdout == "step 'train': reads and writes only what it declares\n", "\(one)")
        let unknown = try repo.recipe("trace", "r", "nope")
        #expect(unknown.status == 2 && unknown.stderr.contains("recipe 'r' has no step 'nope'; its steps: prep, train"), "\(unknown)")
        let failing = try repo.recipe("trace", "r", "-p", "fail=3")
        #expect(failing.status == 3 && failing.stderr.contains("step 'train' exited with status 3 under strace"), "\(failing)")
    }
}
