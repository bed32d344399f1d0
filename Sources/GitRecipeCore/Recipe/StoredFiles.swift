import Foundation

/// Project files as git stores them: the index (what the commit being made will hold) or a
/// commit's tree.
struct StoredFiles: ProjectFiles {
    /// Where the blobs are read from.
    private let repository: Repository
    /// Sorted by path, as git's index and a tree walk already are: lookups are binary
    /// searches, with no table of ten thousand paths to build first.
    public let entries: [IndexEntry]

    /// The files of `entries`, read from `repository`'s object database.
    public init(repository: Repository, entries: [IndexEntry]) {
        self.repository = repository
        let sorted = zip(entries, entries.dropFirst()).allSatisfy { $0.path.precedesByBytes($1.path) }
        self.entries = sorted ? entries : entries.sorted { $0.path.precedesByBytes($1.path) }
    }

    /// The file at `path`, as stored; `nil` when there is none.
    public func read(_ path: String) throws -> String? {
        let index = firstIndex(notBefore: path)
        guard index < entries.endIndex, entries[index].path == path else { return nil }
        return try NotText.decode(try repository.blobContents(entries[index].blob), path: path)
    }

    /// The names directly in `directory` among the stored files.
    func list(_ directory: String) throws -> [String] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var names: [String] = []
        for entry in entries[firstIndex(notBefore: prefix)...] {
            guard entry.path.hasPrefix(prefix) else { break }
            let name = String(entry.path.dropFirst(prefix.count).prefix { $0 != "/" })
            if names.last != name { names.append(name) }  // a directory's entries are contiguous
        }
        return names.sorted()
    }

    /// The entries `path` names: the one file, or every file under a directory (`dir/`).
    public func entries(overlapping path: String) -> ArraySlice<IndexEntry> {
        let start = firstIndex(notBefore: path)
        var end = start
        if path.hasSuffix("/") {
            while end < entries.endIndex, entries[end].path.hasPrefix(path) { end += 1 }
        } else if end < entries.endIndex, entries[end].path == path {
            end += 1
        }
        return entries[start..<end]
    }

    /// The position of the first entry whose path is not before `path` in byte order.
    private func firstIndex(notBefore path: String) -> Int {
        var low = entries.startIndex
        var high = entries.endIndex
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].path.precedesByBytes(path) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
