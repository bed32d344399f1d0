import Foundation

/// Writes a set of files all or nothing: each is first written in full to a temporary file
/// beside its destination, and only when every one of them is on disk are they renamed into
/// place. A failure removes the temporaries and any directory it created, so a crash or a
/// full disk never leaves a half-written lockfile, hook or scaffold.
public struct FileTransaction {
    /// The files to write, in order.
    private var writes: [(destination: URL, contents: Data, permissions: Int?)] = []

    /// An empty transaction.
    public init() {}

    /// Adds a file to write; `permissions` (e.g. `0o755`) applies to the new file.
    public mutating func write(_ contents: Data, to destination: URL, permissions: Int? = nil) {
        writes.append((destination, contents, permissions))
    }

    /// Writes every file, or none. `durable` also flushes each file and then its directory
    /// to disk, so that a crash or power loss right after keeps the whole of them: for
    /// records that exist nowhere else (the run journal).
    public func commit(durable: Bool = false) throws {
        let fileManager = FileManager.default
        var createdDirectories: [URL] = []
        var temporaries: [(temporary: URL, destination: URL)] = []
        do {
            for write in writes {
                let directory = write.destination.deletingLastPathComponent()
                createdDirectories += try createDirectory(directory)
                let temporary = directory.appending(path: ".\(write.destination.lastPathComponent).tmp-\(UUID().uuidString.prefix(8))")
                temporaries.append((temporary, write.destination))
                if let problem = Self.create(temporary.path, write.contents, permissions: write.permissions, durable: durable) {
                    throw FileWriteError(path: write.destination.path, reason: problem)
                }
            }
            for (temporary, destination) in temporaries {
                guard rename(temporary.path, destination.path) == 0 else {
                    throw FileWriteError(path: destination.path, reason: String(cString: strerror(errno)))
                }
            }
            if durable {
                for directory in Set(temporaries.map { $0.destination.deletingLastPathComponent().path }) { _ = Self.sync(directory) }
            }
        } catch {
            for (temporary, _) in temporaries { try? fileManager.removeItem(at: temporary) }
            for directory in createdDirectories.reversed() { rmdir(directory.path) }
            throw error
        }
    }

    /// Writes `contents` to a new file at `path` with `permissions` (exactly, whatever the
    /// umask), flushed to disk when `durable`; what could not be done, or `nil`. Not
    /// `FileManager.createFile`: it writes a file of its own, flushes it whatever is asked
    /// and renames it, which a dashboard's twenty pages and the run index pay for and most
    /// files do not need.
    private static func create(_ path: String, _ contents: Data, permissions: Int?, durable: Bool) -> String? {
        func failed(_ action: String) -> String { "cannot \(action) \(path): \(String(cString: strerror(errno)))" }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { return failed("create") }
        defer { close(descriptor) }
        if let permissions, fchmod(descriptor, mode_t(permissions)) != 0 { return failed("set the permissions of") }
        let written = contents.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        guard written else { return failed("write") }
        return !durable || fsync(descriptor) == 0 ? nil : failed("flush to disk")
    }

    /// `fsync` of a directory, so that the renames in it survive a crash.
    private static func sync(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0
    }

    /// Creates `directory` and its missing parents; returns those it created, outermost first.
    /// One that another writer creates meanwhile (two first runs making `.git/recipes` at
    /// once) is there to use and not this transaction's to remove.
    private func createDirectory(_ directory: URL) throws -> [URL] {
        var missing: [URL] = []
        var current = directory.standardizedFileURL
        while !FileManager.default.fileExists(atPath: current.path) {
            missing.insert(current, at: 0)
            current = current.deletingLastPathComponent()
        }
        var created: [URL] = []
        for url in missing {
            if mkdir(url.path, 0o777) == 0 {
                created.append(url)
                continue
            }
            let reason = errno
            var info = stat()
            guard reason == EEXIST, stat(url.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw FileWriteError(path: url.path, reason: "cannot create the directory: \(String(cString: strerror(reason)))")
            }
        }
        return created
    }
}

/// A file could not be written; nothing of the transaction was kept.
struct FileWriteError: RecipeError {
    /// The file that could not be written.
    public let path: String
    /// Why.
    public let reason: String

    /// Exit 1: nothing was written.
    public var exitStatus: ExitStatus { .checkFailed }
    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String { "could not write '\(path)': \(reason); nothing was changed" }
}
