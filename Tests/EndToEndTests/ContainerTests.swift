import Foundation
import TestSupport
import Testing

/// Steps in container images with real podman — and the real docker CLI,
/// talking to podman's Docker-compatible API — running the example image that
/// `scripts/test-image` builds offline: the step and the probes run inside it, the
/// manifest records the engine and the image id that ran, the network is off unless asked
/// for, an image not here by its digest refuses the run, and the same wrapping runs on Slurm.
@Suite(
    "Steps in container images", .serialized,
    .enabled(if: LocalService.containers.isAvailable, Comment(rawValue: LocalService.containers.skipReason)))
struct ContainerTests {
    /// What a client of the test engine needs: `CONTAINERS_CONF`, `DOCKER_HOST`, `RECIPE_TEST_IMAGE`.
    static func exports() throws -> [String: String] {
        try #require(LocalService.containers.exports, "the engine did not start: run scripts/containers-local start as root")
    }

    /// A recipe whose steps report where they run: the image's `/etc/os-release`, its
    /// python, a variable of the recipe, and the network interfaces they see.
    static func recipe(image: String) -> String {
        """
        version: 1
        seed: 3
        environment:
          image: \(image)
          probes:
            os: grep PRETTY_NAME /etc/os-release
            python: python3 --version
          vars: {GREETING: hello}
        steps:
          where:
            run: mkdir -p out && { grep PRETTY_NAME /etc/os-release; python3 --version; echo "$GREETING $RECIPE_SEED"; python3 -c "import socket; print([n for _, n in socket.if_nameindex()])"; } > out/where.txt
            outputs: [out/where.txt]
          online:
            needs: [where]
            network: true
            run: python3 -c "import socket; print([n for _, n in socket.if_nameindex()])" > out/online.txt
            outputs: [out/online.txt]

        """
    }

    /// A committed, locked project running `recipe` with the test engine's environment.
    static func project(_ recipe: String, engine: String? = nil) throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        if let engine { try repo.git("config", "recipe.containerEngine", engine) }
        try repo.write(".gitignore", "out/\n")
        try repo.write(".recipes/r.yaml", recipe)
        try repo.commitAll("recipe")
        let lock = try repo.recipe(["lock"], environment: try exports())
        guard lock.status == 0 else { throw CommandFailure(command: "git recipe lock", result: lock) }
        try repo.commitAll("lock")
        return repo
    }

    /// The image's id as the engine reports it.
    static func imageID(_ image: String) throws -> String {
        let inspected = try run("podman", ["image", "inspect", "--format", "{{.Id}}", image], in: "/", environment: try exports())
        return "sha256:" + inspected.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aStepRunsInItsImageAndTheManifestSaysWhichOneRan() throws {
        let image = try #require(try Self.exports()["RECIPE_TEST_IMAGE"])
        let repo = try Self.project(Self.recipe(image: image))
        let lock = try repo.read(".recipes/r.lock")
        #expect(lock.contains("    os: \"PRETTY_NAME=\\\"git-recipe example image 4\\\"\"\n"), "the probes ran in the image: \(lock)")
        #expect(lock.contains("    python: Python 3.11"), "\(lock)")

        let result = try repo.recipe(["run", "r"], environment: try Self.exports())
        #expect(result.status == 0, "\(result)")
        #expect(
            try repo.read("out/where.txt") == "PRETTY_NAME=\"git-recipe example image 4\"\nPython 3.11.2\nhello 3\n['lo']\n",
            "the image's files and python, the recipe's variables, no network")
        #expect(try repo.read("out/online.txt").hasPrefix("['lo', "), "network: true gives the step a network")
        var info = stat()
        #expect(stat("\(repo.path)/out/where.txt", &info) == 0 && info.st_uid == getuid(), "outputs belong to the user")

        let manifest = try ReproduceTests.runs(repo)[0].text
        let id = try Self.imageID(image)
        #expect(
            manifest.contains(
                "    isolation:\n      engine: podman version 4.3.1\n      image: \(image)\n      image_id: \(id)\n      network: false\n"),
            "\(manifest)")
        #expect(manifest.contains("      image_id: \(id)\n      network: true\n"), "\(manifest)")
        #expect(manifest.contains("\n  image: \(image)\n"), "the environment keeps the image the lock pins")

        let shown = try repo.recipe("show", try #require(ReproduceTests.runs(repo).first?.id), "--format", "markdown")
        #expect(shown.stdout.contains("| image `\(image)` (id `\(id.prefix(19))`, podman version 4.3.1, no network) |"), "\(shown)")

        let original = try #require(ReproduceTests.runs(repo).first?.id)
        let reproduced = try repo.recipe(["reproduce", original], environment: try Self.exports())
        #expect(reproduced.status == 0, "\(reproduced)")
        #expect(reproduced.stdout.hasPrefix("verdict: exact"), "\(reproduced)")
    }

    /// A second image, one layer above the example image, pinned by its own digest.
    static func variant(of image: String) throws -> String {
        try derived(from: image, name: "localhost/git-recipe-example", tag: "variant")
    }

    /// An image made from `image` (a container of it, committed) as `NAME:TAG` unless the
    /// engine has it, pinned by its own digest: `NAME@sha256:…`.
    static func derived(from image: String, name: String, tag: String) throws -> String {
        let environment = try exports()
        let podman = { (arguments: [String]) throws -> String in
            let result = try run("podman", arguments, in: "/", environment: environment)
            guard result.status == 0 else { throw CommandFailure(command: "podman " + arguments.joined(separator: " "), result: result) }
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if try run("podman", ["image", "exists", "\(name):\(tag)"], in: "/", environment: environment).status != 0 {
            let container = "git-recipe-\(tag)-\(getpid())"
            _ = try podman(["create", "--name", container, image, "/bin/true"])
            defer { _ = try? podman(["rm", "--force", container]) }
            _ = try podman(["commit", "--quiet", container, "\(name):\(tag)"])
        }
        return "\(name)@" + (try podman(["image", "inspect", "--format", "{{.Digest}}", "\(name):\(tag)"]))
    }

    @Test func anotherImageMakesTheLockStaleAndTheStepsRunAgain() throws {
        let exports = try Self.exports()
        let image = try #require(exports["RECIPE_TEST_IMAGE"])
        let repo = try Self.project(Self.recipe(image: image))
        #expect(try repo.read(".recipes/r.lock").contains("\n  image: \(image)\n"), "the lock pins the image")
        #expect(try repo.recipe(["run", "r"], environment: exports).status == 0)
        #expect(try repo.recipe(["run", "r"], environment: exports).status == 0)
        // The second run, found by what it holds: two runs of one second need not be listed
        // in the order they ran (the note keeps run-id order; ids are per second).
        let runs = try ReproduceTests.runs(repo)
        #expect(runs.count == 2)
        let cached = try #require(runs.first { $0.text.contains("    cached:\n") } ?? runs.last).text
        #expect(cached.components(separatedBy: "    cached:\n").count == 3, "both steps came from the step cache: \(cached)")

        let variant = try Self.variant(of: image)
        try repo.write(".recipes/r.yaml", Self.recipe(image: variant))
        let check = try repo.recipe(["lock", "--check"], environment: exports)
        #expect(check.status == 1 && check.stderr.contains("\n  image: \(image) → \(variant)\n"), "\(check)")
        #expect(try repo.recipe(["lock"], environment: exports).status == 0)
        try repo.commitAll("the variant image")
        let again = try repo.recipe(["run", "r"], environment: exports)
        #expect(again.status == 0, "\(again)")
        let manifest = try #require(try ReproduceTests.runs(repo).first).text
        #expect(!manifest.contains("    cached:\n"), "another image runs every step again: \(manifest)")
        #expect(manifest.contains("      image: \(variant)\n"), "\(manifest)")
    }

    /// A podman on PATH that notes, one line each, when it is asked its version
    /// (`--version`, answered with `version`) or an image's id (`image inspect`), and runs
    /// the real podman for everything but the version.
    struct CountingPodman {
        let directory: TemporaryDirectory
        let real: String

        init(environment: [String: String]) throws {
            directory = try TemporaryDirectory()
            real = try run("sh", ["-c", "command -v podman"], in: "/", environment: environment).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Writes the wrapper, answering `--version` with `podman version VERSION`.
        func install(version: String) throws {
            let asked = directory.path + "/asked"
            try """
            #!/bin/sh
            if [ "$1" = --version ]; then echo version >> '\(asked)'; echo 'podman version \(version)'; exit 0; fi
            if [ "$1" = image ] && [ "$2" = inspect ]; then echo inspect >> '\(asked)'; fi
            exec '\(real)' "$@"

            """.write(toFile: directory.path + "/podman", atomically: true, encoding: .utf8)
            chmod(directory.path + "/podman", 0o755)
        }

        /// How many times it was asked `question` (`version`, `inspect`).
        func asked(_ question: String) -> Int {
            ((try? String(contentsOfFile: directory.path + "/asked", encoding: .utf8)) ?? "").split(separator: "\n").filter { $0 == question }.count
        }
    }

    /// The engine's version line is asked once per engine binary, and an image's id once,
    /// not once per run: a run in an image saves two engine starts. Another binary (here:
    /// the same file rewritten) is asked its version again, and the manifest records what
    /// it says; the image's id cannot change with it, and is not asked again.
    @Test func theEngineIsAskedItsVersionOncePerBinaryAndAnImagesIdOnce() throws {
        let image = try #require(try Self.exports()["RECIPE_TEST_IMAGE"])
        let recipe = Self.recipe(image: image).replacingOccurrences(
            of: "  probes:\n    os: grep PRETTY_NAME /etc/os-release\n    python: python3 --version\n", with: "")
        let repo = try Self.project(recipe)
        var environment = try Self.exports()
        let podman = try CountingPodman(environment: environment)
        environment["PATH"] = podman.directory.path + ":" + (repo.environment["PATH"] ?? "/usr/bin:/bin")
        let recorded = { (key: String) throws -> [String] in
            try repo.git("notes", "--ref=recipes", "show", "HEAD").split(separator: "\n").filter { $0.hasPrefix("      \(key): ") }.map(String.init)
        }

        try podman.install(version: "9.9.1")
        for _ in 0..<2 {
            let result = try repo.recipe(["run", "r", "--no-cache"], environment: environment)
            #expect(result.status == 0, "\(result)")
        }
        #expect(podman.asked("version") == 1, "the version asked once for two runs")
        #expect(podman.asked("inspect") == 1, "the image's id asked once for two runs")
        let first = try recorded("engine")
        #expect(first.count == 4 && first.allSatisfy { $0.hasSuffix("podman version 9.9.1") }, "\(first)")
        let ids = try recorded("image_id")
        let id = try Self.imageID(image)
        #expect(ids.count == 4 && ids.allSatisfy { $0 == "      image_id: \(id)" }, "the id that ran, every time: \(ids)")

        try podman.install(version: "9.9.2")
        #expect(try repo.recipe(["run", "r", "--no-cache"], environment: environment).status == 0)
        #expect(podman.asked("version") == 2, "a changed binary is asked again")
        #expect(podman.asked("inspect") == 1)
        #expect(try recorded("engine").filter { $0.hasSuffix("podman version 9.9.2") }.count == 2)
    }

    /// An image removed after a run remembered its id: the engine cannot start the next run's
    /// step, which fails at once naming the command that fetches the image; the id is
    /// forgotten, so the run after that asks the engine and is refused before any step runs.
    @Test func anImageRemovedSinceItsIdWasRememberedFailsItsStepAndTheNextRunIsRefused() throws {
        let exports = try Self.exports()
        let image = try Self.derived(from: try #require(exports["RECIPE_TEST_IMAGE"]), name: "localhost/git-recipe-removable", tag: "\(getpid())")
        let recipe = Self.recipe(image: image).replacingOccurrences(
            of: "  probes:\n    os: grep PRETTY_NAME /etc/os-release\n    python: python3 --version\n", with: "")
        let repo = try Self.project(recipe)
        let first = try repo.recipe(["run", "r", "--no-cache"], environment: exports)
        #expect(first.status == 0, "\(first)")
        let removed = try run("podman", ["rmi", "--force", "localhost/git-recipe-removable:\(getpid())"], in: "/", environment: exports)
        #expect(removed.status == 0, "\(removed)")

        let second = try repo.recipe(["run", "r", "--no-cache"], environment: exports)
        #expect(second.status != 0, "\(second)")
        #expect(
            second.stderr.contains(
                "podman could not start it (125 is the engine's own failure): if the image is gone, fetch it with: podman pull \(image)"), "\(second)"
        )

        let third = try repo.recipe(["run", "r", "--no-cache"], environment: exports)
        #expect(third.status == 1, "\(third)")
        #expect(third.stderr.contains("error: image '\(image)' is not here by that digest and could not be pulled"), "\(third)")
        let runs = try ReproduceTests.runs(repo)
        #expect(runs.count == 2, "the refused run is not recorded: \(runs.map(\.text))")
    }

    @Test func anImageNotHereByItsDigestRefusesTheRunNamingTheCommandThatFetchesIt() throws {
        let image = try #require(try Self.exports()["RECIPE_TEST_IMAGE"])
        let absent = image.prefix { $0 != "@" } + "@sha256:" + String(repeating: "0", count: 64)
        let recipe = Self.recipe(image: String(absent)).replacingOccurrences(
            of: "  probes:\n    os: grep PRETTY_NAME /etc/os-release\n    python: python3 --version\n", with: "")
        let repo = try Self.project(recipe)
        let result = try repo.recipe(["run", "r"], environment: try Self.exports())
        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr.contains("error: image '\(absent)' is not here by that digest and could not be pulled"), "\(result)")
        #expect(result.stderr.contains("; fetch it with: podman pull \(absent) (or load it from a file"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: "\(repo.path)/out"), "no step ran")
        #expect(throws: CommandFailure.self) { try repo.git("notes", "--ref=recipes", "show", "HEAD") }
    }

    @Test func theDockerCLIRunsTheSameStepWithTheUserMapped() throws {
        let exports = try Self.exports()
        let image = try #require(exports["RECIPE_TEST_IMAGE"])
        let repo = try Self.project(Self.recipe(image: image), engine: "docker")
        let result = try repo.recipe(["run", "r"], environment: exports)
        #expect(result.status == 0, "\(result)")
        #expect(try repo.read("out/where.txt") == "PRETTY_NAME=\"git-recipe example image 4\"\nPython 3.11.2\nhello 3\n['lo']\n")
        let manifest = try ReproduceTests.runs(repo)[0].text
        #expect(manifest.contains("    isolation:\n      engine: \"Docker version "), "\(manifest)")
        #expect(manifest.contains("      image_id: \(try Self.imageID(image))\n"), "\(manifest)")

        try repo.git("config", "recipe.containerEngine", "lxc")
        let unknown = try repo.recipe(["run", "r"], environment: exports)
        #expect(
            unknown.status == 2 && unknown.stderr.contains("recipe.containerEngine is 'lxc', which is none of podman, docker, apptainer"),
            "\(unknown)")
    }

    @Test func ctrlCStopsTheContainerAndRecordsTheRunAsCancelled() throws {
        let image = try #require(try Self.exports()["RECIPE_TEST_IMAGE"])
        let repo = try Self.project("version: 1\nseed: 1\nenvironment: {image: \(image)}\nsteps:\n  slow: {run: \"echo started; sleep 41.5\"}\n")
        let result = try repo.interrupt(["run", "r"], environment: try Self.exports())
        #expect(result.status == 130, "\(result)")
        #expect(try ReproduceTests.runs(repo).first?.text.contains("\nstatus: cancelled\n") == true)
        let left = try run("podman", ["ps", "--all", "--quiet", "--filter", "ancestor=\(image)"], in: "/", environment: try Self.exports())
        #expect(left.stdout.isEmpty, "no container is left: \(left)")
        #expect(try run("pgrep", ["-f", "sleep 41.5"], in: "/", environment: repo.environment).stdout.isEmpty)
    }

    @Test(.enabled(if: LocalService.slurm.isAvailable, Comment(rawValue: LocalService.slurm.skipReason)))
    func aBatchJobRunsItsStepInTheImageToo() throws {
        let image = try #require(try Self.exports()["RECIPE_TEST_IMAGE"])
        let repo = try Self.project(Self.recipe(image: image))
        let cluster = try #require(LocalService.slurm.exports, "the cluster did not start: run scripts/slurm-local start as root")
        let result = try repo.recipe(["run", "r", "--executor", "slurm"], environment: try Self.exports().merging(cluster) { $1 })
        #expect(result.status == 0, "\(result)")
        #expect(try repo.read("out/where.txt") == "PRETTY_NAME=\"git-recipe example image 4\"\nPython 3.11.2\nhello 3\n['lo']\n")
        let manifest = try ReproduceTests.runs(repo)[0].text
        #expect(manifest.contains("executor:\n  kind: slurm\n"), "\(manifest)")
        #expect(manifest.contains("    state: COMPLETED\n    isolation:\n      engine: podman version 4.3.1\n      image: \(image)\n"), "\(manifest)")
    }
}
