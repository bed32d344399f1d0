import Foundation

/// A store on a file system this machine mounts (`file:///shared/path`, the HPC case): laid
/// out as the local store, and written the same way, so each object moves by the one path
/// every store write takes (temporary name, hashed, renamed).
struct FileRemote: RemoteStore {
    let name: String
    /// The store's objects, as a store of their own.
    let store: ObjectStore

    /// The store at `path`.
    init(name: String, path: String) {
        self.name = name
        store = ObjectStore(root: path)
    }

    func holds(_ objects: Set<ContentDigest>) throws(RemoteStoreError) -> Set<ContentDigest> {
        // A store not made yet is empty; one whose parent is missing is a typo or an unmounted file system.
        let parent = (store.root as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: store.root) || FileManager.default.fileExists(atPath: parent) else {
            throw .failed(name: name, doing: "be read", reason: "'\(parent)' does not exist (is the shared file system mounted?)")
        }
        return objects.filter(store.contains)
    }

    func upload(_ objects: [ContentDigest], from local: ObjectStore, progress: TransferProgress) throws(RemoteStoreError) {
        try each(objects, progress: progress, downloading: false) { digest throws(StoreError) in try store.receive(digest, from: local) }
    }

    func download(_ objects: [ContentDigest], into local: ObjectStore, progress: TransferProgress) throws(RemoteStoreError) {
        try each(objects, progress: progress, downloading: true) { digest throws(StoreError) in try local.receive(digest, from: store) }
    }

    /// Moves every object with `move`, several at once; the first failure is thrown once all
    /// have been tried (what moved stays moved: a rerun resumes). A damaged object is this
    /// store's fault when `downloading`, the local store's otherwise.
    private func each(
        _ objects: [ContentDigest], progress: TransferProgress, downloading: Bool,
        move: @escaping @Sendable (ContentDigest) throws(StoreError) -> Int64
    ) throws(RemoteStoreError) {
        try concurrentForEach(objects, workers: concurrentTransfers) { digest throws(RemoteStoreError) in
            do throws(StoreError) {
                _ = try move(digest)
                progress.done(bytes: store.size(of: digest))
            } catch {
                if case .damaged(let digest, _) = error, downloading { throw .corrupt(name: name, digest: digest) }
                throw .local(error)
            }
        }
    }
}
