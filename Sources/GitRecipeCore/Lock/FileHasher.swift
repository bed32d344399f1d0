import Crypto
import Foundation

/// Streams files through SHA-256 with one reused 1 MiB buffer, so memory stays flat
/// whatever the file's size. One hasher per thread.
final class FileHasher {
    /// How much is read at a time.
    static let bufferSize = 1 << 20

    /// One read buffer per hasher, reused for every file.
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: FileHasher.bufferSize, alignment: 64)

    deinit { buffer.deallocate() }

    /// The digest of the file at `path` (an absolute path; symlinks are followed).
    func digest(ofFile path: String) throws(HashError) -> ContentDigest {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw HashError(path: path, errno: errno) }
        defer { close(descriptor) }
        var hasher = SHA256()
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw HashError(path: path, errno: errno)
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return ContentDigest(hasher.finalize())
    }
}

/// A file could not be read for hashing.
struct HashError: Error, CustomStringConvertible, Sendable {
    /// The file that could not be read.
    public let path: String
    /// Why, as the system says.
    public let reason: String

    /// An error reading `path`, from the `errno` of the failed call.
    init(path: String, errno code: Int32) {
        self.path = path
        reason = String(cString: strerror(code))
    }

    /// An error reading `path`, for `reason`.
    init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String { "cannot read '\(path)': \(reason)" }
}
