import Foundation

/// Where a project's files are read from. The working tree today; the pre-commit hook and
/// `verify` read the same project from the index or from a commit's tree.
public protocol ProjectFiles {
    /// The file's text, or `nil` when there is no such file.
    func read(_ path: String) throws -> String?
    /// The names of the entries directly inside `directory`, or `[]` when it does not exist.
    func list(_ directory: String) throws -> [String]
}

/// Project files as they are on disk under a repository's work tree.
public struct WorkingTreeFiles: ProjectFiles {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public func read(_ path: String) throws -> String? {
        let url = URL(fileURLWithPath: root).appending(path: path)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try String(contentsOf: url, encoding: .utf8)
    }

    public func list(_ directory: String) throws -> [String] {
        let path = URL(fileURLWithPath: root).appending(path: directory).path
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: path)
    }
}
