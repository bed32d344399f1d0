import Foundation

/// An exclusive lock on a file (`flock`), held while a body runs: serialises what several
/// threads or processes must not do at once. The lock goes with the descriptor, so a
/// process that is killed holding it releases it.
enum FileLock {
    /// Runs `body` holding the lock on `path` (created if missing), waiting for it.
    static func withLock<Result>(_ path: String, _ body: () throws -> Result) throws -> Result {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw FileWriteError(path: path, reason: "cannot lock it: \(String(cString: strerror(errno)))") }
        }
        return try body()
    }
}
