import Foundation

/// A step's declared outputs on disk (DESIGN §8.1): checked to lie inside the repository
/// without passing through a symbolic link, removed before the step runs so that what it
/// records is its own, and listed file by file when they are directories.
struct DeclaredOutputs {
    let root: String
    let paths: [String]

    /// Refuses an output that is, or passes through, a symbolic link: a run would write,
    /// hash and record what lies outside the repository (`out -> /elsewhere`), or overwrite
    /// a link's target.
    func checkNoSymlinks() throws(OutputPathError) {
        for path in paths {
            var prefix = root
            for component in path.split(separator: "/") {
                prefix += "/\(component)"
                var info = stat()
                guard lstat(prefix, &info) == 0 else { break }
                if info.st_mode & S_IFMT == S_IFLNK {
                    let link = String(prefix.dropFirst(root.count + 1))
                    throw OutputPathError(output: path, link: link,
                                          target: (try? FileManager.default.destinationOfSymbolicLink(atPath: prefix)) ?? "?")
                }
            }
        }
    }

    /// Removes every output, files and whole directories, never following a link: a digest
    /// must not include what an earlier run left.
    func remove() throws(OutputPathError) {
        try checkNoSymlinks()
        for path in paths {
            let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
            let full = "\(root)/\(trimmed)"
            var info = stat()
            guard lstat(full, &info) == 0 else { continue }
            do {
                try FileManager.default.removeItem(atPath: full)
            } catch {
                throw OutputPathError(output: path, link: nil, target: error.localizedDescription)
            }
        }
    }

    /// Each file under directory output `path`, relative to it, with its digest and size, in
    /// path order. Links inside it are listed as what they point to.
    static func listing(of path: String, in root: String) throws -> [(path: String, digest: ContentDigest, bytes: Int64)] {
        let directory = "\(root)/\(path.hasSuffix("/") ? String(path.dropLast()) : path)"
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [(path: String, digest: ContentDigest, bytes: Int64)] = []
        while let relative = walker.nextObject() as? String {
            var info = stat()
            guard stat("\(directory)/\(relative)", &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            files.append((relative, try FileHasher().digest(ofFile: "\(directory)/\(relative)"), Int64(info.st_size)))
        }
        return files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }
}

/// An output path a run may not write.
struct OutputPathError: RecipeError {
    let output: String
    /// The symbolic link the output is or passes through; `nil` when it could not be removed.
    let link: String?
    let target: String

    var exitStatus: ExitStatus { .checkFailed }

    var description: String {
        guard let link else { return "cannot remove the earlier contents of output '\(output)': \(target)" }
        return "output '\(output)' \(link == output.trimmingSlash ? "is" : "passes through") the symbolic link '\(link)' (to \(target)); "
            + "outputs are written inside the repository only: remove the link (rm '\(link)') and let the step create the output"
    }
}
