import Foundation

/// Project files as git stores them: the index (what the commit being made will hold), a
/// commit's tree, or the tree of a pinned component source's commit.
public struct StoredFiles: ProjectFiles {
    /// Where the blobs are read from.
    private let objects: any GitObjects
    /// Where this repository's pinned component sources are fetched; `nil` for a source's
    /// own tree (a pinned component cannot pin further sources).
    private let sources: String?
    /// Sorted by path, as git's index and a tree walk already are: lookups are binary
    /// searches, with no table of ten thousand paths to build first.
    public let entries: [IndexEntry]

    /// The files of `entries`, read from `repository`'s object database.
    public init(repository: Repository, entries: [IndexEntry]) {
        self.init(objects: repository, entries: entries, sources: SourceRepository.path(in: repository.commonDirectory))
    }

    private init(objects: any GitObjects, entries: [IndexEntry], sources: String?) {
        self.objects = objects
        self.sources = sources
        let sorted = zip(entries, entries.dropFirst()).allSatisfy { $0.path.precedesByBytes($1.path) }
        self.entries = sorted ? entries : entries.sorted { $0.path.precedesByBytes($1.path) }
    }

    /// The file at `path`, as stored; `nil` when there is none.
    public func read(_ path: String) throws -> String? {
        let index = firstIndex(notBefore: path)
        guard index < entries.endIndex, entries[index].path == path else { return nil }
        return try NotText.decode(try objects.blobContents(entries[index].blob), path: path)
    }

    /// The files of `commit` in this repository's fetched component sources.
    public func sourceFiles(at commit: ObjectID) throws -> StoredFiles? {
        try sources.flatMap { try Self.sourceFiles(at: commit, in: $0) }
    }

    /// The files of `commit` in the source repository at `path`; `nil` when it is not there.
    static func sourceFiles(at commit: ObjectID, in path: String) throws -> StoredFiles? {
        guard let repository = try SourceRepository.open(at: path), repository.hasCommit(commit) else { return nil }
        return StoredFiles(objects: repository, entries: try repository.treeEntries(of: commit), sources: nil)
    }

    /// A file's bytes as stored.
    func contents(of entry: IndexEntry) throws -> Data {
        try objects.blobContents(entry.blob)
    }

    /// The names directly in `directory` among the stored files.
    public func list(_ directory: String) throws -> [String] {
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
