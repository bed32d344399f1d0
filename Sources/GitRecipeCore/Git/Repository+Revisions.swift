import CLibGit2

/// One commit, or a range: the commits reachable from `tip` and from none of `hidden`.
public enum Revisions: Sendable {
    case commit(ObjectID)
    case range(tip: ObjectID, hidden: [ObjectID])

    /// The newest commit named.
    public var tip: ObjectID {
        switch self {
        case .commit(let commit), .range(let commit, _): commit
        }
    }

    /// Commits whose history is left out.
    var hidden: [ObjectID] {
        if case .range(_, let hidden) = self { hidden } else { [] }
    }
}

/// Commits named the way git names them: `HEAD`, `main~2`, `a1b2c3d`, `v1.0`.
extension Repository {
    /// The commit `revision` names (tags and other objects peeled), or `nil` when it names
    /// nothing or no commit.
    public func commit(named revision: String) throws -> ObjectID? {
        var object: OpaquePointer?
        // A name that is malformed or ambiguous names no one commit either.
        guard
            try checkFound(
                "read the revision '\(revision)'", absent: [GIT_ENOTFOUND, GIT_EINVALIDSPEC, GIT_EAMBIGUOUS],
                {
                    git_revparse_single(&object, raw, revision)
                })
        else { return nil }
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        guard
            try checkFound(
                "peel '\(revision)' to a commit", absent: [GIT_ENOTFOUND, GIT_EINVALIDSPEC, GIT_EPEEL],
                {
                    git_object_peel(&peeled, object, GIT_OBJECT_COMMIT)
                })
        else { return nil }
        defer { git_object_free(peeled) }
        return ObjectID(git_object_id(peeled).pointee)
    }

    /// The commits of `spec` as `git log` reads it, newest first: `REV` (REV and its
    /// ancestors), `A..B` (reachable from B, not from A) or `A...B` (B since it forked from
    /// A, as a pull request is read). `nil` when a side names no commit.
    public func commits(in spec: String) throws -> [ObjectID]? {
        try revisions(spec).map { try commits(from: $0.tip, hiding: $0.hidden).reversed() }
    }

    /// The commits `revisions` judges, oldest first: the one commit, or every commit of the
    /// range (what `verify` checks and `components fetch --at` fetches the pins of).
    func commits(of revisions: Revisions) throws -> [ObjectID] {
        switch revisions {
        case .commit(let commit): [commit]
        case .range(let tip, let hidden): try commits(from: tip, hiding: hidden)
        }
    }

    /// What `spec` names: one commit (`REV`), or a range (`A..B`, `A...B`; see
    /// ``commits(in:)``). `nil` when a side names no commit.
    public func revisions(_ spec: String) throws -> Revisions? {
        for separator in ["...", ".."] {
            guard let split = spec.range(of: separator) else { continue }
            let from = spec[..<split.lowerBound]
            let to = spec[split.upperBound...]
            guard let base = try commit(named: from.isEmpty ? "HEAD" : String(from)),
                let tip = try commit(named: to.isEmpty ? "HEAD" : String(to))
            else { return nil }
            if separator == "..." { return .range(tip: tip, hidden: try mergeBase(base, tip).map { [$0] } ?? []) }
            return .range(tip: tip, hidden: [base])
        }
        return try commit(named: spec).map(Revisions.commit)
    }

    /// The best common ancestor of two commits, or `nil` when their histories are unrelated.
    func mergeBase(_ one: ObjectID, _ other: ObjectID) throws -> ObjectID? {
        var base = git_oid()
        var first = one.oid
        var second = other.oid
        guard try checkFound("find the merge base of \(one) and \(other)", { git_merge_base(&base, raw, &first, &second) }) else { return nil }
        return ObjectID(base)
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws -> Bool {
        if ancestor == descendant { return true }
        var commit = descendant.oid
        var older = ancestor.oid
        return try check("compare the histories of \(descendant) and \(ancestor)") {
            git_graph_descendant_of(raw, &commit, &older)
        } == 1
    }
}
