import Foundation

/// Computes the digests docs/reference.md defines: a file's is SHA-256 of its bytes; a directory's
/// is SHA-256 over its entries sorted by name, each `kind SP name NUL hex-digest LF`, where
/// kind is `file` or `dir`. Symlinks are followed while they stay inside `boundary`;
/// cycles and special files are refused. Files are hashed on all cores, through the cache.
final class TreeHasher: Sendable {
    /// Digests already known.
    private let cache: HashCache
    /// Where progress is counted.
    private let progress: HashProgress?
    /// Digests that stand for paths whatever the disk holds, by absolute path: the staged
    /// content the pre-commit hook judges, and untracked data that is not on this machine.
    /// Files only the overlay has count too.
    private let overlay: [String: ContentDigest]
    /// Staged paths grouped by directory, so a walk sees files that exist only in the index.
    private let overlayChildren: [String: [String]]

    /// A hasher that reuses `cache`, reports to `progress`, and reads `overlay` (staged digests) before the disk.
    init(cache: HashCache, progress: HashProgress? = nil, overlay: [String: ContentDigest] = [:]) {
        self.cache = cache
        self.progress = progress
        self.overlay = overlay
        overlayChildren = Dictionary(grouping: overlay.keys) { ($0 as NSString).deletingLastPathComponent }
            .mapValues { $0.map { ($0 as NSString).lastPathComponent } }
    }

    /// A walked path: a file to hash, or a directory of named children.
    private indirect enum Node {
        case file(Int)
        case directory([(name: String, node: Node)])
    }

    /// A file found by the walk, and its digest once known.
    private struct PendingFile {
        /// The file, relative to the work tree.
        let path: String
        let stamp: FileStamp
        /// The output's digest.
        var digest: ContentDigest?
    }

    /// One path to hash: where it is, whether it must be a directory, and the directory
    /// symlinks may not leave.
    struct Request {
        let path: String
        /// `true` or `false` when the recipe says which (a trailing `/`); `nil` for either.
        let isDirectory: Bool?
        /// The directory or file the walk stopped at.
        let boundary: String
    }

    /// Digests of `requests`, in the same order.
    func digests(of requests: [Request]) throws(InputError) -> [ContentDigest] {
        try measure(requests).map(\.digest)
    }

    /// A path as hashed: its digest and size in bytes (a directory's is its files' total),
    /// and for a directory every file under it, by path relative to it, in the order its
    /// digest covers them.
    struct Measured: Sendable {
        let digest: ContentDigest
        /// Its size in bytes (a directory's: every file's).
        let bytes: Int64
        /// A directory's files with their digests and sizes, sorted by path.
        var files: [(path: String, digest: ContentDigest, bytes: Int64)] = []
    }

    /// `requests` measured, in the same order.
    func measure(_ requests: [Request]) throws(InputError) -> [Measured] {
        let seenAt = Self.now()
        var files: [PendingFile] = []
        var roots: [Node] = []
        for request in requests {
            if let digest = overlay[request.path] {
                files.append(PendingFile(path: request.path, stamp: FileStamp(stat()), digest: digest))
                roots.append(.file(files.count - 1))
                continue
            }
            var info = stat()
            guard lstat(request.path, &info) == 0 else {
                throw errno == ENOENT ? .missing(request.path) : .unreadable(request.path, String(cString: strerror(errno)))
            }
            let walk = Walk(boundary: request.boundary, cache: cache, overlay: overlay, overlayChildren: overlayChildren)
            roots.append(try walk.visit(request.path, info, expectDirectory: request.isDirectory, ancestors: [], into: &files))
        }
        let pending = files.indices.filter { files[$0].digest == nil }
        progress?.expect(files: pending.count)
        let hashed = try hashInParallel(pending.map { files[$0].path })
        for (index, digest) in zip(pending, hashed) {
            files[index].digest = digest
            cache.store(digest, for: files[index].stamp, seenAt: seenAt)
        }
        return roots.map { root in
            var listing: [(path: String, digest: ContentDigest, bytes: Int64)] = []
            let (digest, bytes) = measure(root, files: files, prefix: "", listing: &listing)
            return Measured(digest: digest, bytes: bytes, files: listing)
        }
    }

    /// The digest and size of `node`; each file under it is appended to `listing` as
    /// `prefix` + its path below `node`.
    private func measure(
        _ node: Node, files: [PendingFile], prefix: String, listing: inout [(path: String, digest: ContentDigest, bytes: Int64)]
    ) -> (digest: ContentDigest, bytes: Int64) {
        switch node {
        case .file(let index):
            // Every file is hashed before the tree is measured; an unhashed one would be a bug.
            guard let digest = files[index].digest else { preconditionFailure("\(files[index]) measured before it was hashed") }
            return (digest, files[index].stamp.size)
        case .directory(let children):
            var entries: [UInt8] = []
            var bytes: Int64 = 0
            for (name, child) in children {
                if case .directory = child { entries += "dir ".utf8 } else { entries += "file ".utf8 }
                entries += name.utf8
                entries.append(0)
                let start = entries.count
                entries += repeatElement(0, count: 64)
                let measured = measure(child, files: files, prefix: prefix + name + "/", listing: &listing)
                if case .file = child { listing.append((prefix + name, measured.digest, measured.bytes)) }
                bytes += measured.bytes
                entries.withUnsafeMutableBytes { measured.digest.writeHex(into: UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
                entries.append(UInt8(ascii: "\n"))
            }
            return (ContentDigest.of(entries), bytes)
        }
    }

    /// One request's walk, what bounds its symlinks, and the staged overlay.
    private struct Walk {
        let boundary: String
        let cache: HashCache
        let overlay: [String: ContentDigest]
        let overlayChildren: [String: [String]]

        /// Visits `path`, whose `lstat` is `info`.
        func visit(
            _ path: String, _ info: stat, expectDirectory: Bool?, ancestors: Set<FileIdentity>, into files: inout [PendingFile]
        ) throws(InputError) -> Node {
            var info = info
            if (info.st_mode & S_IFMT) == S_IFLNK {
                guard let resolved = realpath(path, nil) else { throw .missing(path) }
                let target = String(cString: resolved)
                free(resolved)
                guard target == boundary || target.hasPrefix(boundary == "/" ? "/" : boundary + "/") else {
                    throw .escapes(path, target: target)
                }
                guard stat(target, &info) == 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                if expectDirectory == true { throw .notADirectory(path) }
                let stamp = FileStamp(info)
                files.append(PendingFile(path: path, stamp: stamp, digest: overlay[path] ?? cache.digest(for: stamp)))
                return .file(files.count - 1)
            case S_IFDIR:
                if expectDirectory == false { throw .isADirectory(path) }
                let id = FileStamp(info).identity
                guard !ancestors.contains(id) else { throw .cycle(path) }
                let inside = ancestors.union([id])
                var children: [(name: String, node: Node)] = []
                let onDisk = try entries(of: path)
                for (name, childInfo) in onDisk {
                    let child = try visit("\(path)/\(name)", childInfo, expectDirectory: nil, ancestors: inside, into: &files)
                    children.append((name, child))
                }
                // Staged files that are not on disk (edited away after `git add`) still count.
                let present = Set(onDisk.map(\.0))
                for name in overlayChildren[path] ?? [] where !present.contains(name) {
                    files.append(PendingFile(path: "\(path)/\(name)", stamp: FileStamp(stat()), digest: overlay["\(path)/\(name)"]))
                    children.append((name, .file(files.count - 1)))
                }
                return .directory(children.sorted { $0.name.precedesByBytes($1.name) })
            default:
                throw .special(path)
            }
        }

        /// A directory's entries with their `lstat`, sorted by the UTF-8 bytes of their names.
        /// Each is looked up relative to the open directory, so the kernel does not walk the
        /// whole path again for every file.
        private func entries(of directory: String) throws(InputError) -> [(String, stat)] {
            guard let handle = opendir(directory) else { throw .unreadable(directory, String(cString: strerror(errno))) }
            defer { closedir(handle) }
            let descriptor = dirfd(handle)
            var names: [String] = []
            var infos: [stat] = []
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != "." && name != ".." else { continue }
                var info = stat()
                guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                    throw .unreadable("\(directory)/\(name)", String(cString: strerror(errno)))
                }
                names.append(name)
                infos.append(info)
            }
            // Sort positions rather than the (name, stat) pairs: a stat is 144 bytes to move.
            return names.indices.sorted { names[$0].precedesByBytes(names[$1]) }.map { (names[$0], infos[$0]) }
        }
    }

    /// Hashes files on every core, each worker with its own 1 MiB buffer, taking the next
    /// file from a shared counter so one large file does not hold the others back.
    private func hashInParallel(_ paths: [String]) throws(InputError) -> [ContentDigest] {
        let progress = self.progress
        let results = concurrentMap(paths.count, workers: ProcessInfo.processInfo.activeProcessorCount, state: FileHasher.init) { hasher, index in
            defer { progress?.fileHashed() }
            return Result { () throws(HashError) in try hasher.digest(ofFile: paths[index]) }
        }
        return try results.map { result throws(InputError) in
            switch result {
            case .success(let digest): return digest
            case .failure(let error): throw .unreadable(error.path, error.reason)
            }
        }
    }

    /// The current time in nanoseconds, to tell racily clean files.
    private static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}

/// Why a path could not be hashed.
enum InputError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing(String)
    case notADirectory(String)
    case isADirectory(String)
    case escapes(String, target: String)
    case cycle(String)
    case special(String)
    case unreadable(String, String)

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .missing(let path): "'\(path)' does not exist"
        case .notADirectory(let path): "'\(path)' is a file, but the recipe names a directory (trailing '/'); drop the '/'"
        case .isADirectory(let path): "'\(path)' is a directory, but the recipe names a file; write it with a trailing '/'"
        case .escapes(let path, let target): "symlink '\(path)' points outside the repository, to '\(target)'; declare that data as an asset"
        case .cycle(let path): "'\(path)' is a symlink cycle: it leads back to a directory that contains it"
        case .special(let path): "'\(path)' is not a regular file or directory (a socket, fifo or device); inputs must be files or directories"
        case .unreadable(let path, let reason): "cannot read '\(path)': \(reason)"
        }
    }
}
