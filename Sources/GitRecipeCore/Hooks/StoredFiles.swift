import Foundation

/// Project files as git stores them: the index (what the commit being made will hold) or a
/// commit's tree.
public struct StoredFiles: ProjectFiles {
    private let repository: Repository
    private let entries: [String: IndexEntry]

    public init(repository: Repository, entries: [IndexEntry]) {
        self.repository = repository
        self.entries = Dictionary(entries.map { ($0.path, $0) }) { first, _ in first }
    }

    public func read(_ path: String) throws -> String? {
        guard let entry = entries[path] else { return nil }
        return String(decoding: try repository.blobContents(entry.blob), as: UTF8.self)
    }

    public func list(_ directory: String) throws -> [String] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let names = entries.keys.filter { $0.hasPrefix(prefix) }.map { $0.dropFirst(prefix.count).split(separator: "/")[0] }
        return Set(names.map(String.init)).sorted()
    }
}
