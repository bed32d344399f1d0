import CLibGit2

/// What a step must leave alone besides the work tree: HEAD, the index's entries, and every
/// ref but the notes git-recipe itself writes (invariant 3 in docs/architecture.md).
public struct RepositoryFingerprint: Equatable, Sendable {
    /// The ref HEAD names and the commit it points at.
    public let head: String
    /// Path, stage, mode and blob of every index entry: not the file's bytes, which
    /// `git status` may rewrite with fresher stat data and no real change.
    public let index: [String]
    /// Every ref's target, by name.
    public let refs: [String: String]

    /// What differs from `before`, one phrase each: "HEAD moved from a1b2c3d to e4f5a6b".
    public func changes(since before: RepositoryFingerprint) -> [String] {
        var changes: [String] = []
        if head != before.head { changes.append("HEAD moved from \(before.head.prefix(12)) to \(head.prefix(12))") }
        if index != before.index { changes.append("the index changed (something was staged or unstaged)") }
        for name in Set(refs.keys).union(before.refs.keys).sorted() where refs[name] != before.refs[name] {
            switch (before.refs[name], refs[name]) {
            case (nil, _): changes.append("ref \(name) was created")
            case (_, nil): changes.append("ref \(name) was deleted")
            default: changes.append("ref \(name) moved")
            }
        }
        return changes
    }
}

extension Repository {
    /// HEAD, the index entries and the refs (all but `excluding`), as they are now.
    func fingerprint(excluding excluded: String = Repository.notesRef) throws -> RepositoryFingerprint {
        var headTarget = "unborn"
        var head: OpaquePointer?
        // An unborn branch has no HEAD commit yet.
        if try checkFound("read HEAD", absent: [GIT_EUNBORNBRANCH, GIT_ENOTFOUND], { git_repository_head(&head, raw) }) {
            defer { git_reference_free(head) }
            let name = String(cString: git_reference_name(head))
            headTarget = name + " " + (git_reference_target(head).map { ObjectID($0.pointee).hex } ?? "")
        }

        var index: OpaquePointer?
        try check("read the index") { git_repository_index(&index, raw) }
        defer { git_index_free(index) }
        try check("reload the index") { git_index_read(index, 1) }
        var entries: [String] = []
        for position in 0..<git_index_entrycount(index) {
            guard let entry = git_index_get_byindex(index, position)?.pointee else { continue }
            entries.append("\(String(cString: entry.path)) \(entry.flags) \(entry.mode) \(ObjectID(entry.id).hex)")
        }

        var iterator: OpaquePointer?
        try check("list the refs") { git_reference_iterator_new(&iterator, raw) }
        defer { git_reference_iterator_free(iterator) }
        var refs: [String: String] = [:]
        var reference: OpaquePointer?
        while try checkNext("list the refs", { git_reference_next(&reference, iterator) }) {
            defer { git_reference_free(reference) }
            let name = String(cString: git_reference_name(reference))
            guard name != excluded else { continue }
            refs[name] =
                git_reference_target(reference).map { ObjectID($0.pointee).hex }
                ?? git_reference_symbolic_target(reference).map { String(cString: $0) } ?? ""
        }
        return RepositoryFingerprint(head: headTarget, index: entries, refs: refs)
    }
}
