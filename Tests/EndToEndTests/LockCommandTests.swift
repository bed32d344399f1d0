import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// The hash cache's header, as the end-to-end tests see the file.
enum HashCacheHeader {
    static let size = "git-recipe hash cache v4\n".utf8.count
    /// The checksum that ends the file.
    static let trailer = 8
}

/// `git recipe lock`, `lock --check` and `status` through the real git CLI.
@Suite("git recipe lock and status")
struct LockCommandTests {
    static let recipe = """
        version: 1
        seed: 42
        params: {lr: 0.01, epochs: 10}
        assets:
          corpus: {path: corpus/}
        environment:
          files: [requirements.txt]
          probes: {tool: cat probe.txt}
        steps:
          prepare:
            run: python3 prep.py --seed {{seed}}
            inputs: [prep.py, data/raw/]
            outputs: [data/prepared/]
          fit:
            run: python3 train.py --lr {{params.lr}}
            inputs: [train.py, data/prepared/]
            outputs: [models/model.pkl]

        """

    /// A committed repository with the recipe above, its inputs, and ignored data.
    static func project() throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        try repo.write(".gitignore", "data/\nmodels/\ncorpus/\nprobe.txt\n")
        try repo.write(".recipes/train.yaml", recipe)
        try repo.write("requirements.txt", "numpy==2.4.6\n")
        try repo.write("prep.py", "print('prep')\n")
        try repo.write("train.py", "print('train')\n")
        try repo.write("data/raw/a.csv", "1,2\n")
        try repo.write("corpus/text.txt", "corpus")
        try repo.write("probe.txt", "tool 1.0\n")
        try repo.commitAll("recipe")
        return repo
    }

    @Test func writesALockThatPinsEverythingAndIsByteStableAcrossProcesses() throws {
        let repo = try Self.project()
        let first = try repo.recipe("lock")
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout == "train: wrote .recipes/train.lock\n")
        let text = try repo.read(".recipes/train.lock")
        let file = { (path: String) in "sha256:" + (try opensslSHA256("\(repo.path)/\(path)")) }
        #expect(text.hasPrefix("version: 1\nrecipe: sha256:"))
        #expect(
            text.contains(
                "\nseed: 42\nparams:\n  epochs: 10\n  lr: 0.01\nenvironment:\n  files:\n    requirements.txt: \(try file("requirements.txt"))\n  probes:\n    tool: tool 1.0\n"
            ))
        #expect(text.contains("\ninputs:\n  data/raw/: sha256:"))
        #expect(text.contains("\n  prep.py: \(try file("prep.py"))\n  train.py: \(try file("train.py"))\ndigest: sha256:"))
        #expect(!text.contains("data/prepared/"), "an input another step produces is a DAG edge, not pinned")
        // Another process with no hash cache writes the same bytes.
        try? FileManager.default.removeItem(atPath: "\(repo.path)/.git/recipes/hash-cache")
        try FileManager.default.removeItem(atPath: "\(repo.path)/.recipes/train.lock")
        #expect(try repo.recipe("lock").status == 0)
        #expect(try repo.read(".recipes/train.lock") == text)
        let again = try repo.recipe("lock")
        #expect(again.stdout == "train: lock is up to date\n")
        let parsed = try LockEntries(parsing: text, file: ".recipes/train.lock", recipe: "train")
        #expect(parsed.values["params"] == ["epochs": "10", "lr": "0.01"])
        #expect(parsed.values["assets"]?["corpus"]?.hasPrefix("sha256:") == true)
    }

    /// Each way a lock goes stale, and the line `lock --check` prints for it.
    static let staleness: [(String, @Sendable (TemporaryGitRepository) throws -> Void, String)] = [
        ("input edited", { try $0.write("train.py", "print('v2')\n") }, "  input 'train.py': sha256:"),
        ("data changed", { try $0.write("data/raw/b.csv", "3,4\n") }, "  input 'data/raw/': sha256:"),
        (
            "param changed", { try $0.write(".recipes/train.yaml", recipe.replacingOccurrences(of: "lr: 0.01", with: "lr: 0.02")) },
            "  param 'lr': 0.01 → 0.02"
        ),
        (
            "param added", { try $0.write(".recipes/train.yaml", recipe.replacingOccurrences(of: "epochs: 10", with: "epochs: 10, wd: 0.1")) },
            "  param 'wd': added (0.1)"
        ),
        ("seed changed", { try $0.write(".recipes/train.yaml", recipe.replacingOccurrences(of: "seed: 42", with: "seed: 7")) }, "  seed: 42 → 7"),
        ("probe drifted", { try $0.write("probe.txt", "tool 2.0\n") }, "  probe 'tool': 'tool 1.0' → 'tool 2.0'"),
        ("requirements edited", { try $0.write("requirements.txt", "numpy==2.4.5\n") }, "  environment file 'requirements.txt': sha256:"),
        (
            "command changed",
            { try $0.write(".recipes/train.yaml", recipe.replacingOccurrences(of: "python3 train.py", with: "python3 -O train.py")) },
            "  the recipe's steps, commands, components or settings: sha256:"
        ),
        ("asset changed", { try $0.write("corpus/text.txt", "other corpus") }, "  asset 'corpus': sha256:"),
        (
            "input added",
            {
                try $0.write("util.py", "")
                try $0.write(".recipes/train.yaml", recipe.replacingOccurrences(of: "[train.py, data", with: "[train.py, util.py, data"))
            }, "  input 'util.py': added (sha256:"
        ),
    ]

    @Test(arguments: 0..<staleness.count)
    func eachCauseOfStalenessIsNamed(index: Int) throws {
        let (_, mutate, expected) = Self.staleness[index]
        let repo = try Self.project()
        #expect(try repo.recipe("lock").status == 0)
        #expect(try repo.recipe("lock", "--check").status == 0)
        try mutate(repo)
        let check = try repo.recipe("lock", "--check")
        #expect(check.status == 1)
        #expect(check.stderr.hasPrefix("error: stale lock for 'train' (.recipes/train.lock):\n\(expected)"), "\(check)")
        #expect(check.stderr.hasSuffix("  run: git recipe lock train\n"))
        let status = try repo.recipe("status")
        #expect(status.status == 0)
        #expect(status.stdout.hasPrefix("train: lock stale, "))
    }

    @Test func statusShowsFreshMissingAndDriftedProbes() throws {
        let repo = try Self.project()
        #expect(try repo.recipe("status").stdout == "train: no lock (git recipe lock train)\n")
        #expect(try repo.recipe("lock").status == 0)
        #expect(try repo.recipe("status").stdout == "train: lock fresh; no succeeded run on HEAD for this lock (git recipe run train)\n")
        try repo.write("probe.txt", "tool 2.0\n")
        #expect(
            try repo.recipe("status").stdout == """
                train: lock stale, 1 change (git recipe lock --check train lists them)
                  probes drifted: probe 'tool': 'tool 1.0' → 'tool 2.0'

                """)
    }

    @Test func theCacheNoticesAChangeEvenWithSizeAndMtimeRestored() throws {
        let repo = try Self.project()
        _ = try run("touch", ["-d", "2020-01-01 00:00:00", "\(repo.path)/train.py"], in: repo.path, environment: repo.environment)
        Thread.sleep(forTimeInterval: 2.2)  // let the file's ctime fall outside the racy window
        #expect(try repo.recipe("lock").status == 0)
        let cached = try Data(contentsOf: URL(fileURLWithPath: "\(repo.path)/.git/recipes/hash-cache"))
        #expect(cached.count > HashCacheHeader.size + HashCacheHeader.trailer, "the first lock cached train.py")
        try repo.write("train.py", "print('TRAIN')\n")  // same size
        _ = try run("touch", ["-d", "2020-01-01 00:00:00", "\(repo.path)/train.py"], in: repo.path, environment: repo.environment)
        let check = try repo.recipe("lock", "--check")
        #expect(check.status == 1)
        #expect(check.stderr.contains("  input 'train.py': sha256:"))
    }

    @Test func aCorruptHashCacheIsAWarningAndGetsReplaced() throws {
        let repo = try Self.project()
        #expect(try repo.recipe("lock").status == 0)
        try repo.write(".git/recipes/hash-cache", "not a cache at all")
        let check = try repo.recipe("lock", "--check")
        #expect(check.status == 0)
        #expect(
            check.stderr
                == "warning: discarded the hash cache '\(repo.path)/.git/recipes/hash-cache' (not a version-4 hash cache); every input is hashed again\n"
        )
        let rewritten = try Data(contentsOf: URL(fileURLWithPath: "\(repo.path)/.git/recipes/hash-cache"))
        #expect(rewritten.starts(with: Data("git-recipe hash cache v4\n".utf8)))
    }

    @Test func aLockEditedByHandIsDetected() throws {
        let repo = try Self.project()
        #expect(try repo.recipe("lock").status == 0)
        let text = try repo.read(".recipes/train.lock")
        try repo.write(".recipes/train.lock", text.replacingOccurrences(of: "lr: 0.01", with: "lr: 0.02"))
        let check = try repo.recipe("lock", "--check")
        #expect(check.status == 1)
        #expect(
            check.stderr
                == "error: .recipes/train.lock cannot be trusted: its digest does not match its contents (edited by hand, or damaged); regenerate it: git recipe lock train\n"
        )
        #expect(try repo.recipe("lock").stdout == "train: wrote .recipes/train.lock\n")
        #expect(try repo.read(".recipes/train.lock") == text)
    }

    /// A lock that is not UTF-8 gave a raw NSCocoaErrorDomain error.
    @Test func aLockThatIsNotUTF8CannotBeTrustedAndSaysWhere() throws {
        let repo = try Self.project()
        #expect(try repo.recipe("lock").status == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: "\(repo.path)/.recipes/train.lock"))
        bytes[3] = 0xFF
        try bytes.write(to: URL(fileURLWithPath: "\(repo.path)/.recipes/train.lock"))
        let check = try repo.recipe("lock", "--check")
        #expect(check.status == 1, "\(check)")
        #expect(
            check.stderr
                == "error: .recipes/train.lock cannot be trusted: not UTF-8 text: byte 3 (0xFF) is not valid UTF-8; save the file as UTF-8 (line 1); regenerate it: git recipe lock train\n"
        )
        #expect(try repo.recipe("lock").status == 0, "lock rewrites it")
    }

    @Test func badInputNamesTheRecipeStepAndProblem() throws {
        let repo = try Self.project()
        try FileManager.default.removeItem(atPath: "\(repo.path)/prep.py")
        var result = try repo.recipe("lock")
        #expect(result.status == 2)
        #expect(result.stderr == "error: recipe 'train', input 'prep.py' of step 'prepare': 'prep.py' does not exist\n")
        #expect(!repo.directory.exists(".recipes/train.lock"), "nothing is written when locking fails")

        try repo.write("prep.py", "")
        try FileManager.default.removeItem(atPath: "\(repo.path)/data/raw/a.csv")
        try FileManager.default.removeItem(atPath: "\(repo.path)/data/raw")
        try repo.write("data/raw", "a file where a directory is declared")
        result = try repo.recipe("lock")
        #expect(
            result.stderr
                == "error: recipe 'train', input 'data/raw/' of step 'prepare': 'data/raw' is a file, but the recipe names a directory (trailing '/'); drop the '/'\n"
        )

        try FileManager.default.removeItem(atPath: "\(repo.path)/data/raw")
        try repo.write("data/raw/ok.csv", "")
        let outside = try TemporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: "\(repo.path)/data/raw/leak", withDestinationPath: outside.path)
        result = try repo.recipe("lock")
        #expect(
            result.stderr
                == "error: recipe 'train', input 'data/raw/' of step 'prepare': symlink 'data/raw/leak' points outside the repository, to '\(outside.path)'; declare that data as an asset\n"
        )
    }

    @Test func anUnreadableFileIsReportedNotSkipped() throws {
        let repo = try Self.project()
        chmod("\(repo.path)/train.py", 0)
        // Root reads anything, so as root the check runs as an unprivileged user instead.
        var command = ["git-recipe", "lock", "--check"]
        var environment = repo.environment
        if getuid() == 0 {
            try repo.home.write(".gitconfig", "[safe]\n\tdirectory = \(repo.path)\n")
            _ = try run("chmod", ["-R", "a+rX", repo.home.path, repo.path], in: "/", environment: environment)
            chmod(repo.home.path, 0o755)
            chmod("\(repo.path)/train.py", 0)
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "\(BuiltProducts.directory)/git-recipe", "lock", "--check"]
            environment["HOME"] = repo.home.path
        }
        let result = try run(command[0], Array(command.dropFirst()), in: repo.path, environment: environment)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr == "error: recipe 'train', input 'train.py' of step 'fit': cannot read 'train.py': Permission denied\n")
    }

    @Test func probesThatFailOrHangAreErrors() throws {
        let repo = try Self.project()
        try FileManager.default.removeItem(atPath: "\(repo.path)/probe.txt")
        var result = try repo.recipe("lock")
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: recipe 'train': probe 'tool' (cat probe.txt) failed with exit status 1:\n  cat: probe.txt: No such file or directory\n")
        try repo.write(".recipes/train.yaml", Self.recipe.replacingOccurrences(of: "cat probe.txt", with: "sleep 32.5; true"))
        try repo.git("config", "recipe.probeTimeout", "1")
        result = try repo.recipe("lock")
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: recipe 'train': probe 'tool' (sleep 32.5; true) did not finish within 1 s and was stopped; fix the probe, or raise the limit: git config recipe.probeTimeout SECONDS\n"
        )
        let orphans = try run("pgrep", ["-f", "sleep 32.5"], in: "/", environment: repo.environment)
        #expect(orphans.stdout.isEmpty, "a hung probe is stopped with everything it started")
    }

    @Test func unpinnedRequirementsAreAPolicyErrorNamingTheLine() throws {
        let repo = try Self.project()
        try repo.write("requirements.txt", "numpy==2.4.6\n# comment\n  scipy>=1.10\ntorch\n-e .\nrequests==2.* \n")
        let result = try repo.recipe("lock")
        #expect(result.status == 2)
        #expect(
            result.stderr == """
                requirements.txt:3:3: error: 'scipy>=1.10' is not pinned exactly; write scipy==VERSION (pip freeze prints the installed version)
                requirements.txt:4:1: error: 'torch' is not pinned exactly; write torch==VERSION (pip freeze prints the installed version)
                requirements.txt:5:1: error: '-e .' is an editable install, which pins nothing; install a released version with ==
                requirements.txt:6:1: error: 'requests==2.*' is not pinned exactly; write requests==VERSION (pip freeze prints the installed version)

                """)
        try repo.write(".recipes/config.yaml", "version: 1\npolicy: {pinned_requirements: off}\n")
        #expect(try repo.recipe("lock").status == 0)
    }
}
