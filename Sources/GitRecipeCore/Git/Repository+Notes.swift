import CLibGit2
import Foundation

extension Repository {
    /// The ref git-recipe's run records live under.
    public static let notesRef = "refs/notes/recipes"

    /// The note on `commit` in `ref`, or `nil` when there is none.
    public func note(on commit: ObjectID, ref: String = Repository.notesRef) throws -> String? {
        guard let notesCommit = try referenceTarget(ref) else { return nil }
        return try note(on: commit, inNotesCommit: notesCommit)
    }

    /// Rewrites the note on `commit` with `update` (given the current text, or `nil`), by
    /// compare-and-swap on `ref` (DESIGN invariant 4): the new notes commit is built on the
    /// ref's current commit and the ref moves only if nobody moved it meanwhile; otherwise
    /// the update is redone on the newer state after a jittered pause. `git_note_create` and
    /// `git notes add` lose notes when several processes write at once; this does not.
    public func updateNote(
        on commit: ObjectID, ref: String = Repository.notesRef, message: String, _ update: (String?) -> String
    ) throws {
        let identity = try identity()
        var signature: UnsafeMutablePointer<git_signature>?
        try check("make a signature for \(identity.email)") { git_signature_now(&signature, identity.name, identity.email) }
        defer { git_signature_free(signature) }
        var target = commit.oid
        for attempt in 0..<400 {
            let current = try referenceTarget(ref)
            let text = update(try current.flatMap { try note(on: commit, inNotesCommit: $0) })
            var parent: OpaquePointer?
            if var currentOID = current?.oid {
                try check("read the notes commit \(current!)") { git_commit_lookup(&parent, raw, &currentOID) }
            }
            defer { git_commit_free(parent) }
            var notesCommit = git_oid(), blob = git_oid()
            try check("write the note on \(commit)") {
                git_note_commit_create(&notesCommit, &blob, raw, parent, signature, signature, &target, text, 1)
            }
            var expected = current?.oid ?? git_oid()
            var moved: OpaquePointer?
            let result = git_reference_create_matching(&moved, raw, ref, &notesCommit, 1, &expected, message)
            git_reference_free(moved)
            if result == 0 { return }
            if ![GIT_EMODIFIED, GIT_ELOCKED, GIT_EEXISTS].map(\.rawValue).contains(result) {
                try check("move \(ref)") { result }
            }
            // Another writer got there first: wait a little, longer each time, and redo.
            usleep(UInt32.random(in: 500...(2_000 + 1_000 * UInt32(min(attempt, 20)))))
        }
        throw GitError(operation: "move \(ref)", code: GIT_ELOCKED.rawValue, message: "other writers kept it busy for too long; run again")
    }

    private func referenceTarget(_ name: String) throws -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, raw, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("read \(name)") { result }
        return ObjectID(oid)
    }

    private func note(on commit: ObjectID, inNotesCommit notesCommit: ObjectID) throws -> String? {
        var notesOID = notesCommit.oid
        var notes: OpaquePointer?
        try check("read the notes commit \(notesCommit)") { git_commit_lookup(&notes, raw, &notesOID) }
        defer { git_commit_free(notes) }
        var target = commit.oid
        var note: OpaquePointer?
        let result = git_note_commit_read(&note, raw, notes, &target)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("read the note on \(commit)") { result }
        defer { git_note_free(note) }
        return String(cString: git_note_message(note))
    }
}
