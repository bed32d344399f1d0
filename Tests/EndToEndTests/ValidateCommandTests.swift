import Foundation
import TestSupport
import Testing

/// `git recipe validate` and the CLI conventions, through the real git CLI.
@Suite("git recipe validate and the command line")
struct ValidateCommandTests {
    private func initializedRepository() throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        #expect(try repo.recipe("init").status == 0)
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("scaffold")
        return repo
    }

    /// A command that ends before libgit2 has started — `--version`, a usage error — waits
    /// for the start before it exits. libgit2 starts on a thread of its own while the
    /// arguments are parsed, reading the system's CA certificates; a process that exited
    /// meanwhile died of SIGSEGV in libc about once in 150 runs of the release build (the
    /// demo's `git recipe --version` did). Here that read is made to take a second (an
    /// `LD_PRELOAD` shim holds `fopen` of the certificates), so a process that does not wait
    /// ends long before it.
    @Test func aCommandThatEndsAtOnceWaitsForLibgit2ToStart() throws {
        let certificates = "/etc/ssl/certs/ca-certificates.crt"
        try #require(FileManager.default.fileExists(atPath: certificates), "Debian's libgit2 reads \(certificates) as it starts")
        let shim = try TemporaryDirectory()
        try """
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>
        FILE *fopen(const char *path, const char *mode) {
            FILE *(*next)(const char *, const char *) = (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");
            FILE *file = next(path, mode);
            if (strcmp(path, "\(certificates)") == 0) sleep(1);
            return file;
        }

        """.write(toFile: "\(shim.path)/slow-certificates.c", atomically: true, encoding: .utf8)
        let compiled = try run(
            "clang", ["-shared", "-fPIC", "-o", "\(shim.path)/slow-certificates.so", "\(shim.path)/slow-certificates.c", "-ldl"], in: shim.path,
            environment: ProcessInfo.processInfo.environment)
        try #require(compiled.status == 0, "\(compiled)")
        let environment = ["PATH": "/usr/bin:/bin", "HOME": shim.path, "LD_PRELOAD": "\(shim.path)/slow-certificates.so"]
        for (arguments, status) in [(["--version"], Int32(0)), (["no-such-command"], Int32(2))] {
            let started = Date()
            let result = try run("\(BuiltProducts.directory)/git-recipe", arguments, in: "/", environment: environment)
            let seconds = Date().timeIntervalSince(started)
            #expect(result.status == status, "\(arguments): \(result)")
            #expect(seconds >= 1, "\(arguments) ended \(seconds) s in, before libgit2 had read its certificates")
        }
    }

    /// A Latin-1 file used to give a raw NSCocoaErrorDomain error for every recipe, exit 1.
    @Test func aFileThatIsNotUTF8IsNamedWithItsPositionAndTheOthersAreStillJudged() throws {
        let repo = try TemporaryGitRepository()
        try repo.write(".recipes/good.yaml", "version: 1\nseed: 1\nsteps: {s: {run: \"true\", inptus: [x]}}\n")
        try repo.write(".recipes/other.yaml", "version: 1\nseed: 1\nenvironment: {files: [requirements.txt]}\nsteps: {s: {run: \"true\"}}\n")
        try (Data("version: 1\nseed: 1\n# caf".utf8) + Data([0xE9]) + Data("\nsteps: {s: {run: \"true\"}}\n".utf8))
            .write(to: URL(fileURLWithPath: "\(repo.path)/.recipes/latin1.yaml"))
        try (Data("numpy==1 # caf".utf8) + Data([0xE9, 0x0A])).write(to: URL(fileURLWithPath: "\(repo.path)/requirements.txt"))
        let result = try repo.recipe("validate")
        #expect(result.status == 2, "\(result)")
        #expect(
            result.stderr.contains(".recipes/latin1.yaml:3:6: error: not UTF-8 text: byte 24 (0xE9) is not valid UTF-8; save the file as UTF-8"),
            "\(result)")
        #expect(result.stderr.contains("requirements.txt:1:15: error: not UTF-8 text: byte 14 (0xE9)"), "\(result)")
        #expect(result.stderr.contains(".recipes/good.yaml:3:26: error: unknown key 'inptus'"), "the other recipes are judged: \(result)")
        #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("empty"), "\(result)")
    }

    /// Peak memory (MiB) and CPU seconds of `git recipe validate` in `repo`, from
    /// `/usr/bin/time`: resources, not wall time, which a loaded machine stretches.
    static func resources(_ repo: TemporaryGitRepository) throws -> (result: CommandResult, mebibytes: Double, cpuSeconds: Double) {
        let result = try run(
            "/usr/bin/time", ["-f", "resources %M %U %S", "\(BuiltProducts.directory)/git-recipe", "validate"],
            in: repo.path, environment: repo.environment)
        let line = try #require(result.stderr.split(separator: "\n").last { $0.hasPrefix("resources ") })
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        return (result, fields[0] / 1024, fields[1] + fields[2])
    }

    /// Nine levels of ten aliases ("billion laughs") grew validate past 2 GB.
    @Test func anAliasBombIsRefusedWithinBoundedMemory() throws {
        let repo = try TemporaryGitRepository()
        var bomb = "version: 1\nseed: 1\nparams:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            bomb += "  a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        try repo.write(".recipes/bomb.yaml", bomb + "steps: {s: {run: \"true\"}}\n")
        let (result, mebibytes, cpu) = try Self.resources(repo)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains(".recipes/bomb.yaml:1:1: error: the document's aliases expand it by over 1000000 values"), "\(result)")
        #expect(mebibytes < 200, "peak memory \(mebibytes) MiB")
        #expect(cpu < 10, "CPU \(cpu) s")
    }

    /// Validation was quadratic in the number of steps (20,000 steps: 41 s).
    @Test func aHundredThousandStepsValidateInLinearResources() throws {
        let repo = try TemporaryGitRepository()
        var recipe = "version: 1\nseed: 1\nsteps:\n"
        for index in 0..<100_000 {
            let input = index == 0 ? "" : "inputs: [out/s\(index - 1).txt], "
            recipe += "  s\(index): {run: \"cp x y\", \(input)outputs: [out/s\(index).txt]}\n"
        }
        try repo.write(".recipes/big.yaml", recipe)
        let (result, mebibytes, cpu) = try Self.resources(repo)
        #expect(result.status == 0, "\(result.stderr.prefix(2000))")
        #expect(result.stdout == "big: ok (100000 steps)\n")
        #expect(mebibytes < 1024, "peak memory \(mebibytes) MiB")
        #expect(cpu < 60, "CPU \(cpu) s (quadratic validation took minutes)")
    }

    @Test func worksFromASubdirectory() throws {
        let repo = try initializedRepository()
        try repo.write("src/deep/.keep", "")
        let result = try repo.recipe("validate", in: "src/deep")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "train: ok (3 steps)\n")
    }

    @Test func worksInALinkedWorktreeAndReadsThatWorktreesFiles() throws {
        let repo = try initializedRepository()
        let parent = try TemporaryDirectory()
        try repo.git("worktree", "add", "-q", "\(parent.path)/wt", "-b", "experiment")
        try parent.write("wt/.recipes/train.yaml", "version: 1\nseed: 1\nsteps: {only: {run: \"true\"}}\n")
        let result = try run("git", ["recipe", "validate"], in: "\(parent.path)/wt", environment: repo.environment)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "train: ok (1 step)\n")
    }

    @Test func honoursGitDirAndWorkTreeGivenToGit() throws {
        let repo = try initializedRepository()
        let elsewhere = try TemporaryDirectory()
        let result = try run(
            "git", ["--git-dir=\(repo.path)/.git", "--work-tree=\(repo.path)", "recipe", "validate"],
            in: elsewhere.path, environment: repo.environment)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "train: ok (3 steps)\n")
    }

    @Test func fiveMistakesGiveFiveDiagnosticsAndExitTwo() throws {
        let repo = try initializedRepository()
        try repo.write(
            ".recipes/train.yaml",
            """
            version: 1
            seed: 42
            params: {lr: 0.01}
            steps:
              prepare:
                run: python3 prep.py --out {{params.out}}
                outputs: [/tmp/prepared/]
              fit:
                needs: [prepar]
                run: python3 fit.py --lr {{params.lr}}
                output: [model.pkl]
              evaluate:
                uses: evaluate
                with: {model: model.pkl, report: metrics/eval.json, data: data/}

            """)
        let result = try repo.recipe("validate")
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(
            result.stderr == """
                .recipes/train.yaml:6:10: error: unknown placeholder '{{params.out}}' in step 'prepare'
                .recipes/train.yaml:7:15: error: '/tmp/prepared/' is absolute; paths are relative to the repository root (data outside it goes in 'assets')
                .recipes/train.yaml:9:13: error: step 'fit' needs unknown step 'prepar'; did you mean 'prepare'?
                .recipes/train.yaml:11:5: error: unknown key 'output' in step 'fit'; did you mean 'outputs'?
                .recipes/train.yaml:14:57: error: 'data' of component 'evaluate' is a file, but 'data/' names a dir (a directory path ends in '/')

                """)
    }

    @Test func outsideARepositoryItSaysSoAndExitsTwo() throws {
        let directory = try TemporaryDirectory()
        let parent = URL(fileURLWithPath: directory.path).deletingLastPathComponent().path
        var environment = isolatedEnvironment(home: directory.path, path: "\(BuiltProducts.directory):/usr/bin:/bin")
        environment["GIT_CEILING_DIRECTORIES"] = parent
        let result = try run("git-recipe", ["validate"], in: directory.path, environment: environment)
        #expect(result.status == 2)
        #expect(result.stderr == "error: not a git repository (or any parent directory): '\(directory.path)'; run: git init\n")
    }

    @Test func anUnknownRecipeListsTheRecipesThereAre() throws {
        let repo = try initializedRepository()
        let result = try repo.recipe("validate", "trian")
        #expect(result.status == 2)
        #expect(result.stderr == "error: no recipe 'trian' (.recipes/trian.yaml does not exist); recipes: train\n")
    }

    @Test func badArgumentsExitTwo() throws {
        let repo = try TemporaryGitRepository()
        let result = try repo.recipe("init", "--frobnicate")
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("Error: Unknown option '--frobnicate'"))
    }

    @Test(arguments: [[], ["init"], ["validate"]])
    func everyCommandHasDashH(command: [String]) throws {
        let repo = try TemporaryGitRepository()
        let result = try run("git-recipe", command + ["-h"], in: repo.path, environment: repo.environment)
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: git-recipe \(command.first.map { "\($0) " } ?? "")"))
    }

    @Test func versionIsPrinted() throws {
        let repo = try TemporaryGitRepository()
        let result = try repo.recipe("--version")
        #expect(result.status == 0)
        #expect(result.stdout == "0.1.0\n")
    }

    /// git turns `git recipe --help` into `man git-recipe`; the page ships in docs/man.
    @Test func gitRecipeHelpShowsTheManPage() throws {
        let repo = try TemporaryGitRepository()
        let manPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../docs/man").standardizedFileURL.path
        let result = try repo.recipe("--help", environment: ["MANPATH": manPath, "MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("git-recipe - reproducible machine-learning experiments, kept in git"))
    }
}
