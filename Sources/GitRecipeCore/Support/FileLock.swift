import Foundation

/// An exclusive lock on a file (`flock`), held while a body runs: serialises what several
/// threads or processes must not do at once. The lock goes with the descriptor, so a
/// process that is killed holding it releases it.
enum FileLock {
    /// Runs `body` holding the lock on `path` (created if missing, with its directory: the
    /// first writer of `.git/recipes` may be the one that locks), waiting for it.
    static func withLock<Result>(_ path: String, _ body: () throws -> Result) throws -> Result {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FileWriteError(path: directory, reason: "cannot create the directory: \(error.localizedDescription)")
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw FileWriteError(path: path, reason: "cannot lock it: \(String(cString: strerror(errno)))") }
        }
        return try body()
    }
}
