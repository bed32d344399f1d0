import Foundation

/// A step's declared outputs on disk: checked to lie inside the repository
/// without passing through a symbolic link, and removed before the step runs so that what
/// it records is its own.
struct DeclaredOutputs {
    /// The work tree.
    let root: String
    /// The declared outputs, relative to it.
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
                    throw OutputPathError(
                        output: path, link: link,
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
}

/// An output path a run may not write.
struct OutputPathError: RecipeError {
    /// The output that is a link.
    let output: String
    /// The symbolic link the output is or passes through; `nil` when it could not be removed.
    let link: String?
    /// Where it points.
    let target: String

    /// Exit 1: the run is refused.
    var exitStatus: ExitStatus { .checkFailed }

    var description: String {
        guard let link else { return "cannot remove the earlier contents of output '\(output)': \(target)" }
        return "output '\(output)' \(link == output.trimmingSlash ? "is" : "passes through") the symbolic link '\(link)' (to \(target)); "
            + "outputs are written inside the repository only: remove the link (rm '\(link)') and let the step create the output"
    }
}
