/// Paths (files, and directories ending in `/`) with a value each, answering "which of them
/// overlap this path" (``RepositoryPath/overlap(_:_:)``) by binary search instead of against
/// every one: validation of a recipe with a hundred thousand steps stays n log n. Insert
/// everything, then query: the first query after an insert sorts.
struct PathIndex<Value> {
    /// Sorted by path bytes: everything under a directory follows it contiguously.
    private var entries: [(path: String, value: Value)] = []
    /// Whether the entries are sorted; they are sorted before the first lookup.
    private var sorted = true

    /// Adds `value` under `path`.
    mutating func insert(_ path: String, _ value: Value) {
        if let last = entries.last, !last.path.utf8.lexicographicallyPrecedes(path.utf8) { sorted = false }
        entries.append((path, value))
    }

    /// The values of every path that overlaps `path`: the same path, a directory holding it,
    /// or (when `path` is a directory) a path under it.
    mutating func overlapping(_ path: String) -> [Value] {
        if !sorted {
            entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            sorted = true
        }
        var found: [Value] = []
        // The directories that hold `path`: `a/`, `a/b/`, … (not `path` itself).
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        var prefix = ""
        for component in components.dropLast(path.hasSuffix("/") ? 2 : 1) {
            prefix += component + "/"
            found += exactly(prefix)
        }
        if path.hasSuffix("/") {
            // The directory itself and everything under it: a contiguous run from it on.
            var index = firstIndex(notBefore: path)
            while index < entries.endIndex, entries[index].path.hasPrefix(path) {
                found.append(entries[index].value)
                index += 1
            }
        } else {
            found += exactly(path)
        }
        return found
    }

    /// The values stored under exactly `path`.
    private func exactly(_ path: String) -> [Value] {
        var index = firstIndex(notBefore: path)
        var found: [Value] = []
        while index < entries.endIndex, entries[index].path == path {
            found.append(entries[index].value)
            index += 1
        }
        return found
    }

    /// The position of the first entry not before `path`.
    private func firstIndex(notBefore path: String) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].path.utf8.lexicographicallyPrecedes(path.utf8) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
