import Foundation
import TestSupport
import Testing

/// `url:` assets fetched from a real HTTP server on loopback, started by the test.
@Suite("Assets")
struct AssetTests {
    /// Serves `payload` at /data.bin, and at /truncated.bin announces 1,000,000 bytes but
    /// sends ten and hangs up; at /silent.bin it accepts and never answers. Prints its port,
    /// then serves until killed.
    static let server = """
        import http.server, os, socketserver, sys, time
        os.closerange(3, 65536)  # drop descriptors inherited from the test runner, which waits on them
        payload = sys.argv[1].encode()
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/data.bin":
                    self.send_response(200); self.send_header("Content-Length", str(len(payload))); self.end_headers()
                    self.wfile.write(payload)
                elif self.path == "/truncated.bin":
                    self.send_response(200); self.send_header("Content-Length", "1000000"); self.end_headers()
                    self.wfile.write(payload[:10]); self.wfile.flush(); self.connection.close()
                elif self.path == "/silent.bin":
                    time.sleep(3600)
                else:
                    self.send_error(404)
            def log_message(self, *args): pass
        with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler) as httpd:
            print(httpd.server_address[1], flush=True)
            httpd.serve_forever()
        """

    /// The server, started detached in the background and killed when released.
    final class Server {
        let pid: Int32
        let port: Int
        private let directory: TemporaryDirectory

        init(payload: String) throws {
            directory = try TemporaryDirectory()
            try directory.write("server.py", AssetTests.server)
            let start = try run(
                "sh", ["-c", "python3 server.py \"$1\" > port 2>&1 & echo $!", "sh", payload],
                in: directory.path, environment: ProcessInfo.processInfo.environment)
            pid = Int32(start.stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
            var port: Int?
            for _ in 0..<100 where port == nil {
                port = (try? directory.read("port")).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                if port == nil { Thread.sleep(forTimeInterval: 0.05) }
            }
            guard let port else { throw CommandFailure(command: "python3 server.py", result: start) }
            self.port = port
        }

        deinit { kill(pid, SIGKILL) }
    }

    static let payload = "the training corpus, version 1\n"

    func project(url: String, sha256: String) throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        try repo.write(
            ".recipes/train.yaml",
            """
            version: 1
            seed: 1
            assets:
              corpus: {url: "\(url)", sha256: \(sha256)}
            steps:
              fit: {run: "wc -c {{assets.corpus}}"}

            """)
        try repo.commitAll("recipe")
        return repo
    }

    static func sha256(of text: String) throws -> String {
        let directory = try TemporaryDirectory()
        try directory.write("payload", text)
        return try opensslSHA256("\(directory.path)/payload")
    }

    func storeContents(_ repo: TemporaryGitRepository) throws -> [String] {
        let store = "\(repo.path)/.git/recipes/assets/sha256"
        guard FileManager.default.fileExists(atPath: store) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: store).sorted()
    }

    @Test func aDownloadIsVerifiedStoredByDigestAndNotFetchedAgain() throws {
        let digest = try Self.sha256(of: Self.payload)
        var server: Server? = try Server(payload: Self.payload)
        let repo = try project(url: "http://127.0.0.1:\(server!.port)/data.bin", sha256: digest)
        let result = try repo.recipe("lock")
        #expect(result.status == 0, "\(result)")
        #expect(try repo.read(".recipes/train.lock").contains("assets:\n  corpus: sha256:\(digest)\n"))
        #expect(try storeContents(repo) == [digest])
        #expect(try repo.read(".git/recipes/assets/sha256/\(digest)") == Self.payload)
        server = nil  // the stored copy is used from now on
        #expect(try repo.recipe("lock", "--check").status == 0)
    }

    @Test func aWrongDigestIsRefusedAndNothingIsStored() throws {
        let server = try Server(payload: Self.payload)
        let pinned = String(repeating: "0", count: 64)
        let url = "http://127.0.0.1:\(server.port)/data.bin"
        let repo = try project(url: url, sha256: pinned)
        let result = try repo.recipe("lock")
        #expect(result.status == 1)
        #expect(
            result.stderr == """
                error: asset 'corpus' from \(url) has the wrong digest, so it was not used:
                  expected sha256:\(pinned)
                  actual   sha256:\(try Self.sha256(of: Self.payload))
                if the source changed on purpose, put the new sha256 in the recipe

                """)
        #expect(try storeContents(repo) == [])
        #expect(!repo.directory.exists(".recipes/train.lock"))
    }

    @Test func anInterruptedTransferNeverEntersTheStore() throws {
        let server = try Server(payload: Self.payload)
        let url = "http://127.0.0.1:\(server.port)/truncated.bin"
        let repo = try project(url: url, sha256: try Self.sha256(of: Self.payload))
        let result = try repo.recipe("lock")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: cannot download asset 'corpus' from \(url): curl: (18)"), "\(result)")
        #expect(try storeContents(repo) == [], "no partial file is left behind either")
    }

    /// A server that accepts the connection and never answers used to hang `lock` forever.
    @Test func aSilentServerIsGivenUpOnWithAClearError() throws {
        let server = try Server(payload: Self.payload)
        let repo = try project(url: "http://127.0.0.1:\(server.port)/silent.bin", sha256: try Self.sha256(of: Self.payload))
        try repo.git("config", "recipe.assetStallTimeout", "2")
        let result = try repo.recipe("lock")
        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr.contains(
                "cannot download asset 'corpus' from http://127.0.0.1:\(server.port)/silent.bin: it stalled (under 1 KiB/s for 2 s)"), "\(result)")
        #expect(result.stderr.contains("git config recipe.assetStallTimeout SECONDS"), "\(result)")
        #expect(try storeContents(repo).isEmpty)
    }

    /// SIGTERM to `lock` used to leave its `curl` running.
    @Test func stoppingLockStopsItsDownload() throws {
        let server = try Server(payload: Self.payload)
        let url = "http://127.0.0.1:\(server.port)/silent.bin"
        let repo = try project(url: url, sha256: try Self.sha256(of: Self.payload))
        let lock = Process()
        lock.executableURL = URL(fileURLWithPath: "\(BuiltProducts.directory)/git-recipe")
        lock.arguments = ["lock"]
        lock.currentDirectoryURL = URL(fileURLWithPath: repo.path)
        lock.environment = repo.environment
        lock.standardOutput = FileHandle.nullDevice
        lock.standardError = FileHandle.nullDevice
        try lock.run()
        func curls() throws -> Int32 { try run("pgrep", ["-f", "curl.*\(url)"], in: "/", environment: repo.environment).status }
        for _ in 0..<200 where try curls() != 0 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try curls() == 0, "curl started")
        kill(lock.processIdentifier, SIGTERM)
        lock.waitUntilExit()
        #expect(lock.terminationReason == .uncaughtSignal, "lock ends by the signal, as a program does")
        for _ in 0..<100 where try curls() == 0 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try curls() == 1, "no curl outlives the lock that started it")
    }

    @Test func aFileURLWorksToo() throws {
        let source = try TemporaryDirectory()
        try source.write("corpus.txt", Self.payload)
        let repo = try project(url: "file://\(source.path)/corpus.txt", sha256: try Self.sha256(of: Self.payload))
        let result = try repo.recipe("lock")
        #expect(result.status == 0, "\(result)")
    }

    @Test func aPathAssetCanBeMappedPerMachine() throws {
        let elsewhere = try TemporaryDirectory()
        try elsewhere.write("imagenet/train/0.jpg", "pixels")
        let repo = try TemporaryGitRepository()
        try repo.write(".recipes/train.yaml", "version: 1\nseed: 1\nassets:\n  imagenet: {path: /datasets/imagenet}\nsteps: {fit: {run: ls}}\n")
        try repo.commitAll("recipe")
        let missing = try repo.recipe("lock")
        #expect(missing.status == 2)
        #expect(missing.stderr == "error: recipe 'train', asset 'imagenet': '/datasets/imagenet' does not exist\n")
        try repo.git("config", "recipe.asset.imagenet.path", "\(elsewhere.path)/imagenet")
        let result = try repo.recipe("lock")
        #expect(result.status == 0, "\(result)")
    }
}
