import Dispatch
import Foundation
import Synchronization

/// Computes the digests DESIGN §2 defines: a file's is SHA-256 of its bytes; a directory's
/// is SHA-256 over its entries sorted by name, each `kind SP name NUL hex-digest LF`, where
/// kind is `file` or `dir`. Symlinks are followed while they stay inside `boundary`;
/// cycles and special files are refused. Files are hashed on all cores, through the cache.
final class TreeHasher {
    private let cache: HashCache
    private let progress: HashProgress?

    init(cache: HashCache, progress: HashProgress? = nil) {
        self.cache = cache
        self.progress = progress
    }

    /// A walked path: a file to hash, or a directory of named children.
    private indirect enum Node {
        case file(Int)
        case directory([(name: String, node: Node)])
    }

    private struct PendingFile {
        let path: String
        let cacheKey: String
        let stamp: FileStamp
        var digest: ContentDigest?
    }

    /// One path to hash: where it is, whether it must be a directory, how the cache knows it,
    /// and the directory symlinks may not leave.
    struct Request {
        let path: String
        /// `true` or `false` when the recipe says which (a trailing `/`); `nil` for either.
        let isDirectory: Bool?
        let cacheKey: String
        let boundary: String
    }

    /// Digests of `requests`, in the same order.
    func digests(of requests: [Request]) throws(InputError) -> [ContentDigest] {
        let seenAt = Self.now()
        var files: [PendingFile] = []
        var roots: [Node] = []
        for request in requests {
            roots.append(try walk(request.path, key: request.cacheKey, boundary: request.boundary,
                                  expectDirectory: request.isDirectory, ancestors: [], into: &files))
        }
        let pending = files.indices.filter { files[$0].digest == nil }
        progress?.expect(files: pending.count)
        let hashed = try hashInParallel(pending.map { files[$0].path })
        for (index, digest) in zip(pending, hashed) {
            files[index].digest = digest
            cache.store(digest, for: files[index].cacheKey, stamp: files[index].stamp, seenAt: seenAt)
        }
        return roots.map { digest(of: $0, files: files) }
    }

    private func digest(of node: Node, files: [PendingFile]) -> ContentDigest {
        switch node {
        case .file(let index):
            return files[index].digest!
        case .directory(let children):
            var listing = Data()
            for (name, child) in children {
                let kind = if case .directory = child { "dir" } else { "file" }
                listing.append(contentsOf: "\(kind) \(name)\0\(digest(of: child, files: files).hex)\n".utf8)
            }
            return ContentDigest.of(listing)
        }
    }

    private func walk(
        _ path: String, key: String, boundary: String, expectDirectory: Bool?, ancestors: Set<FileID>,
        into files: inout [PendingFile]
    ) throws(InputError) -> Node {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw errno == ENOENT ? .missing(path) : .unreadable(path, String(cString: strerror(errno)))
        }
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
            files.append(PendingFile(path: path, cacheKey: key, stamp: stamp, digest: cache.digest(for: key, stamp: stamp)))
            return .file(files.count - 1)
        case S_IFDIR:
            if expectDirectory == false { throw .isADirectory(path) }
            let id = FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            guard !ancestors.contains(id) else { throw .cycle(path) }
            var children: [(name: String, node: Node)] = []
            for name in try entries(of: path) {
                let child = try walk("\(path)/\(name)", key: "\(key)/\(name)", boundary: boundary,
                                     expectDirectory: nil, ancestors: ancestors.union([id]), into: &files)
                children.append((name, child))
            }
            return .directory(children)
        default:
            throw .special(path)
        }
    }

    /// Entry names of a directory, sorted by their UTF-8 bytes.
    private func entries(of directory: String) throws(InputError) -> [String] {
        guard let handle = opendir(directory) else { throw .unreadable(directory, String(cString: strerror(errno))) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Hashes files on every core, each worker with its own 1 MiB buffer, taking the next
    /// file from a shared counter so one large file does not hold the others back.
    private func hashInParallel(_ paths: [String]) throws(InputError) -> [ContentDigest] {
        guard !paths.isEmpty else { return [] }
        let results = ResultSlots(count: paths.count)
        let next = Atomic<Int>(0)
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, paths.count)
        let progress = self.progress
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let hasher = FileHasher()
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < paths.count else { return }
                results[index] = Result { () throws(HashError) in try hasher.digest(ofFile: paths[index]) }
                progress?.hashed(paths[index])
            }
        }
        return try results.values.map { result throws(InputError) in
            switch result {
            case .success(let digest): return digest
            case .failure(let error): throw .unreadable(error.path, error.reason)
            }
        }
    }

    private static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}

private struct FileID: Hashable {
    let device: UInt64
    let inode: UInt64
}

/// Slots each worker writes at its own index; no two workers share one.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [Result<ContentDigest, HashError>?]

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    subscript(index: Int) -> Result<ContentDigest, HashError>? {
        get { slots[index] }
        set { slots.withUnsafeMutableBufferPointer { $0[index] = newValue } }
    }

    var values: [Result<ContentDigest, HashError>] { slots.map { $0! } }
}

/// Why a path could not be hashed.
public enum InputError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing(String)
    case notADirectory(String)
    case isADirectory(String)
    case escapes(String, target: String)
    case cycle(String)
    case special(String)
    case unreadable(String, String)

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
