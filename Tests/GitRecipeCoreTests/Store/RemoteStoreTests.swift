import Foundation
import Synchronization
import TestSupport
import Testing

@testable import GitRecipeCore

/// Remote stores: what a store URL may say, and the ssh store's two ways of moving objects
/// (rsync, and one `ssh … cat` per object where rsync is missing) against a real sshd.
@Suite struct RemoteStoreTests {
    @Test func storeURLsAreParsedAndAnythingElseIsRefused() {
        #expect(StoreAddress("file:///shared/store/") == .file(path: "/shared/store"))
        #expect(StoreAddress("ssh://me@hpc.example.org:2222/data/store") == .ssh(destination: "me@hpc.example.org", port: 2222, path: "/data/store"))
        #expect(StoreAddress("ssh://hpc/data") == .ssh(destination: "hpc", port: nil, path: "/data"))
        #expect(StoreAddress("s3://bucket/team/project/") == .s3(bucket: "bucket", prefix: "team/project"))
        #expect(StoreAddress("s3://bucket") == .s3(bucket: "bucket", prefix: ""))
        for bad in [
            "file://relative", "file:///", "ssh://host", "ssh://-oProxyCommand=x/path", "ssh://host:99999/p", "s3://", "s3://a b/x", "ftp://h/p",
            "/plain/path",
        ] {
            #expect(StoreAddress(bad) == nil, "\(bad)")
        }
    }

    /// Three objects kept in one clone's store.
    static func objects() throws -> (TemporaryGitRepository, ObjectStore, [ContentDigest]) {
        let repo = try TemporaryGitRepository()
        let store = ObjectStore(repository: try Repository.discover(from: repo.path, environment: [:]))
        var digests: [ContentDigest] = []
        for index in 0..<3 {
            try repo.write("out/\(index).bin", String(repeating: "object \(index) ", count: 1000 * (index + 1)))
            let digest = try FileHasher().digest(ofFile: "\(repo.path)/out/\(index).bin")
            try store.keep("\(repo.path)/out/\(index).bin", digest: digest)
            digests.append(digest)
        }
        return (repo, store, digests)
    }

    @Test(.enabled(if: LocalService.sshd.isAvailable, Comment(rawValue: LocalService.sshd.skipReason)), arguments: [true, false])
    func anSSHStoreMovesObjectsBothWays(rsync: Bool) throws {
        let exports = try #require(LocalService.sshd.exports, "sshd did not start: run scripts/sshd-local start as root")
        let url = try #require(exports["SSHD_LOCAL_URL"])
        let (repo, local, digests) = try Self.objects()
        let directory = try TemporaryDirectory("git-recipe-ssh-store")
        guard case .ssh(let destination, let port, _) = StoreAddress(url + "/x") else {
            Issue.record("\(url)")
            return
        }
        var remote = SSHRemote(
            name: "hpc", destination: destination, port: port, path: "\(directory.path)/a 'quoted' store",
            ssh: try #require(exports["GIT_SSH_COMMAND"]))
        remote.rsync = rsync
        #expect(try remote.holds(Set(digests)).isEmpty, "a store not made yet holds nothing")
        try remote.upload(Array(digests.prefix(2)), from: local, progress: TransferProgress())
        #expect(try remote.holds(Set(digests)) == Set(digests.prefix(2)))
        let copy = FileRemote(name: "direct", path: "\(directory.path)/a 'quoted' store")
        #expect(try copy.holds(Set(digests)) == Set(digests.prefix(2)), "laid out as every store is")

        let (otherRepo, other, _) = try Self.objects()
        defer { withExtendedLifetime((repo, otherRepo)) {} }
        let empty = ObjectStore(root: other.root + "-empty")
        let done = Mutex(0)
        let progress = TransferProgress { finished, total, _ in done.withLock { $0 = max($0, finished * 10 + total) } }
        progress.expect(2)
        try remote.download(Array(digests.prefix(2)), into: empty, progress: progress)
        #expect(digests.prefix(2).allSatisfy(empty.contains) && !empty.contains(digests[2]))
        #expect(done.withLock { $0 } == 22, "progress counted both objects of two")
        #expect(try FileHasher().digest(ofFile: empty.path(of: digests[1])) == digests[1])
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: "\(empty.root)/incoming")) ?? []
        #expect(staging.isEmpty, "no staging directory left")
    }
}
