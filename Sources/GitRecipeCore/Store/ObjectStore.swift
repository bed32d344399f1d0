import Crypto
import Foundation

/// The local artifact store: every file a succeeded run left as an output,
/// kept by its SHA-256 in `.git/recipes/objects/sha256/AB/CDEF…`, shared by every worktree.
/// A directory output is kept as its files; its listing is in the run's manifest. Objects are
/// written under a temporary name, verified, made read-only and renamed into place, so a
/// crash leaves either the whole object or none; every restore verifies the object again.
public struct ObjectStore: Sendable {
    /// The store's directory.
    public let root: String

    /// The store of `repository`.
    public init(repository: Repository) {
        self.init(root: "\(repository.commonDirectory)/recipes/objects")
    }

    /// A store laid out the same way at `root`: a clone's own, or a `file://` remote one.
    init(root: String) {
        self.root = root
    }

    /// Where the object with `digest` is kept.
    func path(of digest: ContentDigest) -> String {
        let hex = digest.hex
        return "\(root)/sha256/\(hex.prefix(2))/\(hex.dropFirst(2))"
    }

    /// Whether the store holds the object with `digest`.
    public func contains(_ digest: ContentDigest) -> Bool {
        access(path(of: digest), F_OK) == 0
    }

    /// Keeps a copy of the file at `source`, whose content hashed to `digest`; nothing when
    /// the store has it already. Returns the bytes added. The copy is hashed before it is
    /// kept: a file that changed since it was hashed is refused, never stored under a
    /// digest it does not have.
    @discardableResult
    func keep(_ source: String, digest: ContentDigest) throws(StoreError) -> Int64 {
        let final = path(of: digest)
        guard access(final, F_OK) != 0 else { return 0 }
        try place(source, at: final, digest: digest, permissions: 0o444, temporaryPrefix: ".tmp-") { copied in
            copied.map { .changed(path: source, recorded: digest, now: $0) } ?? .unwritable(path: final, reason: "its copy cannot be read")
        }
        return size(of: digest)
    }

    /// Writes the object with `digest` to `destination` (replacing what is there), after
    /// checking that the copy hashes to `digest`: a damaged object is reported, never restored.
    func restore(_ digest: ContentDigest, to destination: String) throws(StoreError) {
        let object = path(of: digest)
        guard access(object, F_OK) == 0 else { throw .missing(digest) }
        try place(object, at: destination, digest: digest, permissions: 0o644, temporaryPrefix: ".git-recipe-restore-") { _ in
            .damaged(digest, path: object)
        }
    }

    /// Copies the object with `digest` from `other` (a remote store on a shared file system,
    /// or this clone's when `other` is the remote), verified: a damaged object is reported and
    /// not kept. Returns the bytes added.
    @discardableResult
    func receive(_ digest: ContentDigest, from other: ObjectStore) throws(StoreError) -> Int64 {
        let object = other.path(of: digest)
        guard access(object, F_OK) == 0 else { throw .missing(digest) }
        guard access(path(of: digest), F_OK) != 0 else { return 0 }
        try place(object, at: path(of: digest), digest: digest, permissions: 0o444, temporaryPrefix: ".tmp-") { _ in
            .damaged(digest, path: object)
        }
        return size(of: digest)
    }

    /// A temporary name beside where the object with `digest` goes, for a download to land
    /// on before `adopt` verifies it; its directory exists. `gc` removes one a killed process left.
    func temporaryPath(for digest: ContentDigest) throws(StoreError) -> String {
        "\(try directory(for: path(of: digest)))/.tmp-\(UUID().uuidString)"
    }

    /// Keeps the downloaded file `temporary` as the object `digest` if it hashes to it; if
    /// not, removes it and throws `mismatch`'s error. Returns the bytes added.
    @discardableResult
    func adopt(_ temporary: String, as digest: ContentDigest, mismatch: (ContentDigest?) -> StoreError) throws(StoreError) -> Int64 {
        chmod(temporary, 0o444)
        _ = try directory(for: path(of: digest))
        try settle(temporary, at: path(of: digest), digest: digest, mismatch: mismatch)
        return size(of: digest)
    }

    /// The bytes of the object with `digest`, verified; `nil` when the store does not hold
    /// it, it is larger than `limit` bytes, or it does not hash to `digest` (damaged).
    func contents(of digest: ContentDigest, limit: Int) -> Data? {
        guard size(of: digest) <= limit, let data = FileManager.default.contents(atPath: path(of: digest)),
            ContentDigest(SHA256.hash(data: data)) == digest
        else { return nil }
        return data
    }

    /// The size of the object with `digest`, 0 when absent.
    func size(of digest: ContentDigest) -> Int64 {
        var info = stat()
        return stat(path(of: digest), &info) == 0 ? Int64(info.st_size) : 0
    }

    /// The one way bytes move in or out of the store: `source` is copied to a temporary file
    /// beside `target`, then settled there.
    private func place(
        _ source: String, at target: String, digest: ContentDigest, permissions: mode_t, temporaryPrefix: String,
        mismatch: (ContentDigest?) -> StoreError
    ) throws(StoreError) {
        let directory = try directory(for: target)
        let temporary = "\(directory)/\(temporaryPrefix)\(UUID().uuidString)"
        do {
            try FileClone.copy(source, to: temporary, permissions: permissions)
        } catch {
            throw .unwritable(path: directory, reason: error.description)
        }
        try settle(temporary, at: target, digest: digest, mismatch: mismatch)
    }

    /// The directory `target` goes in, made if missing.
    private func directory(for target: String) throws(StoreError) -> String {
        let directory = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: directory, reason: error.localizedDescription)
        }
        return directory
    }

    /// The temporary file is hashed, and only one with `digest` is renamed onto `target`; any
    /// other is removed and `mismatch` (told its digest, `nil` when it could not be read)
    /// says what that means.
    private func settle(
        _ temporary: String, at target: String, digest: ContentDigest, mismatch: (ContentDigest?) -> StoreError
    ) throws(StoreError) {
        let copied = try? FileHasher().digest(ofFile: temporary)
        guard copied == digest else {
            unlink(temporary)
            throw mismatch(copied)
        }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .unwritable(path: target, reason: reason)
        }
    }

    /// Every object in the store with its size, and the temporary files and staging
    /// directories a killed process left (which `gc` removes).
    func inventory() -> (objects: [(digest: ContentDigest, bytes: Int64)], leftovers: [String]) {
        var objects: [(ContentDigest, Int64)] = []
        var leftovers: [String] = []
        let base = "\(root)/sha256"
        for prefix in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(base)/\(prefix)")) ?? [] {
                let file = "\(base)/\(prefix)/\(name)"
                guard let digest = ContentDigest(hex: prefix + name) else {
                    if name.hasPrefix(".tmp-") { leftovers.append(file) }
                    continue
                }
                var info = stat()
                objects.append((digest, stat(file, &info) == 0 ? Int64(info.st_size) : 0))
            }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/incoming")) ?? [] {
            guard ScratchName.isAbandoned(name) else { continue }
            leftovers.append("\(root)/incoming/\(name)")
        }
        return (objects, leftovers)
    }

    /// A new directory for a batch of downloads to land in before `adopt` verifies each:
    /// `incoming/PID-RANDOM`, which `gc` removes once its process is gone.
    func stagingDirectory() throws(StoreError) -> String {
        let staging = "\(root)/incoming/\(ScratchName.make())"
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: staging, reason: error.localizedDescription)
        }
        return staging
    }

    /// Removes the objects not in `live`, what killed processes left and the shards left
    /// empty. With `dryRun`, removes nothing and says what it would free.
    public func collect(keeping live: Set<ContentDigest>, dryRun: Bool) -> (objects: Int, bytes: Int64) {
        let (objects, leftovers) = inventory()
        var freed = (objects: 0, bytes: Int64(0))
        for (digest, bytes) in objects where !live.contains(digest) {
            if dryRun || unlink(path(of: digest)) == 0 {
                freed.objects += 1
                freed.bytes += bytes
            }
        }
        if !dryRun {
            for leftover in leftovers { try? FileManager.default.removeItem(atPath: leftover) }
            // Shards left empty go too (rmdir refuses any that still holds an object).
            for prefix in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/sha256")) ?? [] { rmdir("\(root)/sha256/\(prefix)") }
        }
        return freed
    }
}

/// The store could not keep or restore an object.
public enum StoreError: RecipeError, Equatable {
    /// The store has no object with this digest.
    case missing(ContentDigest)
    /// The object does not hash to its name: it was damaged on disk.
    case damaged(ContentDigest, path: String)
    /// The file changed between hashing and keeping.
    case changed(path: String, recorded: ContentDigest, now: ContentDigest)
    /// A file or directory could not be written.
    case unwritable(path: String, reason: String)

    /// Exit 1: the store refused; nothing half-written is left.
    public var exitStatus: ExitStatus { .checkFailed }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .missing(let digest):
            "the store has no object \(digest.short)"
        case .damaged(let digest, let path):
            "the stored object \(digest.short) is damaged (its bytes no longer hash to its name); nothing was restored from it. "
                + "Remove it (rm '\(path)') and keep the output again from a run that made it"
        case .changed(let path, let recorded, let now):
            "'\(path)' changed after it was hashed (\(recorded.short) then, \(now.short) now); it was not stored"
        case .unwritable(let path, let reason):
            "could not write '\(path)': \(reason); nothing half-written was left"
        }
    }
}
