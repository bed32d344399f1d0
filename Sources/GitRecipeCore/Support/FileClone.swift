import CFileClone
import Foundation

/// Copies a file the cheapest way the file system allows: a reflink (the copy shares the
/// original's blocks until either is written, so it costs no space and no time), else an
/// in-kernel copy, else reads and writes. Never a hard link: a hard link is the same file,
/// and a later step that rewrites it in place would change the kept copy too.
enum FileClone {
    /// How a copy was made.
    enum Method: Equatable, Sendable {
        case reflink, copy
    }

    /// Creates `destination` (which must not exist) with the content of `source`, mode
    /// `permissions`. A destination half-written by a failure is removed.
    @discardableResult
    static func copy(_ source: String, to destination: String, permissions: mode_t = 0o644) throws(FileCloneError) -> Method {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileCloneError(path: source, doing: "open", errno: errno) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard output >= 0 else { throw FileCloneError(path: destination, doing: "create", errno: errno) }
        var closed = false
        defer { if !closed { close(output) } }
        do throws(FileCloneError) {
            let method = try fill(output, from: input, source: source, destination: destination)
            closed = true
            guard close(output) == 0 else { throw FileCloneError(path: destination, doing: "write", errno: errno) }
            return method
        } catch {
            unlink(destination)
            throw error
        }
    }

    private static func fill(_ output: Int32, from input: Int32, source: String, destination: String) throws(FileCloneError) -> Method {
        if cfileclone_reflink(output, input) == 0 { return .reflink }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw FileCloneError(path: source, doing: "read", errno: errno) }
        var remaining = Int(info.st_size)
        while remaining > 0 {
            let copied = cfileclone_copy_range(input, output, remaining)
            if copied > 0 {
                remaining -= copied
                continue
            }
            if copied == 0 { break }
            if errno == EINTR { continue }
            // Across file systems on older kernels, or where the file system refuses it.
            if [EXDEV, ENOSYS, EOPNOTSUPP, EINVAL].contains(errno) {
                return try readAndWrite(output, from: input, source: source, destination: destination)
            }
            throw FileCloneError(path: destination, doing: "write", errno: errno)
        }
        return .copy
    }

    /// The plain copy, from wherever the descriptors stand.
    private static func readAndWrite(_ output: Int32, from input: Int32, source: String, destination: String) throws(FileCloneError) -> Method {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = read(input, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw FileCloneError(path: source, doing: "read", errno: errno) }
            if count == 0 { return .copy }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(output, $0.baseAddress.map { $0 + offset }, count - offset) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw FileCloneError(path: destination, doing: "write", errno: errno) }
                offset += written
            }
        }
    }
}

/// A file could not be copied.
struct FileCloneError: Error, CustomStringConvertible, Sendable {
    let path: String
    let doing: String
    let errno: Int32

    var description: String { "could not \(doing) '\(path)': \(String(cString: strerror(errno)))" }
}
