import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// The command lines that put a step in an image or a sandbox: every value one argument
/// (never parsed by a shell), the repository at its own path, the network off by default.
@Suite("Container engines and the sandbox")
struct IsolationTests {
    static let image = "localhost/x@sha256:" + String(repeating: "a", count: 64)

    static var invocation: ContainerEngine.Invocation {
        var invocation = ContainerEngine.Invocation(command: "echo $X; rm -rf /", image: image, directory: "/work/repo")
        invocation.mounts = [("/work/repo/.git/recipes/runs/1", true), ("/data/asset", false)]
        invocation.environment = ["RECIPE_SEED": "3", "X": "a b; $(touch /p)"]
        return invocation
    }

    @Test func podmanAndDockerMountTheRepositoryAtItsPathWithoutNetwork() {
        let user = geteuid() == 0 ? [] : ["--userns=keep-id"]
        #expect(
            ContainerEngine(.podman).arguments(Self.invocation)
                == ["podman", "run", "--rm", "--init", "--workdir", "/work/repo"] + user + [
                    "--network", "none", "--volume", "/work/repo:/work/repo:rw",
                    "--volume", "/work/repo/.git/recipes/runs/1:/work/repo/.git/recipes/runs/1:rw", "--volume", "/data/asset:/data/asset:ro",
                    "--env", "RECIPE_SEED=3", "--env", "X=a b; $(touch /p)", Self.image, "/bin/sh", "-c", "echo $X; rm -rf /",
                ])
        var online = Self.invocation
        online.network = true
        let docker = ContainerEngine(.docker).arguments(online)
        #expect(docker.prefix(8) == ["docker", "run", "--rm", "--init", "--workdir", "/work/repo", "--user", "\(geteuid()):\(getegid())"])
        #expect(!docker.contains("--network"), "network: true keeps the engine's default network")
    }

    @Test func apptainerExecsTheDockerReferenceContained() {
        #expect(
            ContainerEngine(.apptainer).arguments(Self.invocation) == [
                "apptainer", "exec", "--containall", "--pwd", "/work/repo", "--net", "--network", "none",
                "--bind", "/work/repo:/work/repo:rw", "--bind", "/work/repo/.git/recipes/runs/1:/work/repo/.git/recipes/runs/1:rw",
                "--bind", "/data/asset:/data/asset:ro", "--env", "RECIPE_SEED=3", "--env", "X=a b; $(touch /p)",
                "docker://\(Self.image)", "/bin/sh", "-c", "echo $X; rm -rf /",
            ])
    }

    @Test func anEngineNobodyKnowsIsAConfigurationError() throws {
        #expect(throws: ContainerError.unknownEngine("lxc")) { try ContainerEngine.configured("lxc") }
        #expect(try ContainerEngine.configured(nil) == ContainerEngine(.podman))
        #expect(try ContainerEngine.configured("apptainer") == ContainerEngine(.apptainer))
    }

    @Test func theSandboxHidesTheRepositoryButForWhatTheStepDeclares() throws {
        let root = try TemporaryDirectory()
        try root.write("data/in.csv", "x\n")
        try FileManager.default.createDirectory(atPath: "\(root.path)/out", withIntermediateDirectories: true)
        var sandbox = Sandbox(root: root.path)
        sandbox.readable = ["\(root.path)/data/in.csv", "\(root.path)/never-written.txt"]
        sandbox.writable = ["\(root.path)/out"]
        let arguments = sandbox.arguments("python3 train.py")
        #expect(arguments.contains("--unshare-net"))
        let tail = Array(arguments.drop { $0 != "--tmpfs" }.dropFirst(2).drop { $0 != "--tmpfs" })
        #expect(
            tail == [
                "--tmpfs", root.path, "--bind", "\(root.path)/out", "\(root.path)/out", "--ro-bind", "\(root.path)/data/in.csv",
                "\(root.path)/data/in.csv", "--remount-ro", root.path, "--chdir", root.path, "/bin/sh", "-c", "python3 train.py",
            ], "shorter paths first, a path nobody wrote left out")
        sandbox.network = true
        #expect(!sandbox.arguments("true").contains("--unshare-net"))
    }

    @Test func linesArePrefixedWholeHoweverTheyArriveInChunks() {
        var prefixer = LinePrefixer(prefix: "[s] ")
        let out = ["one\ntw", "o\rprogress", "\n", "tail"].flatMap { chunk in
            Array(chunk.utf8).withUnsafeBytes { prefixer.lines(in: $0) }
        }
        #expect(String(decoding: out, as: UTF8.self) == "[s] one\n[s] two\r[s] progress\n")
        #expect(String(decoding: prefixer.rest(), as: UTF8.self) == "[s] tail\n")
        #expect(prefixer.rest().isEmpty)
    }
}
