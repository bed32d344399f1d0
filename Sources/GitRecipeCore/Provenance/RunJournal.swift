import Foundation

/// Where a finished run's record goes so that no fault loses it: appended to the note on its
/// commit by compare-and-swap, or, when `refs/notes/recipes` cannot be moved (a lock left by
/// a killed process, a full disk, a corrupt ref), kept as a file under
/// `.git/recipes/journal/` and appended by the next command that records or syncs runs.
/// `log` and `show` read journaled runs too, marked as such.
struct RunJournal {
    /// The repository whose journal this is.
    let repository: Repository

    /// The journal of `repository`.
    public init(repository: Repository) {
        self.repository = repository
    }

    /// The journal's directory, shared by every worktree.
    public var directory: String { "\(repository.commonDirectory)/recipes/journal" }

    /// Where a record ended up.
    public enum Placement: Equatable, Sendable {
        case note
        /// In the journal file `path`, because the note could not be written (`reason`).
        case journal(path: String, reason: String)
    }

    /// A record waiting in the journal.
    public struct Entry: Sendable {
        /// The run's id.
        public let id: String
        /// The commit whose note it belongs in.
        public let commit: ObjectID
        /// The manifest document.
        public let document: String
        /// The journal file.
        let path: String
    }

    /// Records run `id`'s `document` on `commit`: in its note if possible, else in the
    /// journal. Throws only when neither could be written. `warn` hears about unreadable
    /// bytes the note held (kept aside verbatim, see `NoteAppender`).
    public func record(_ document: String, id: String, on commit: ObjectID, warn: (String) -> Void) throws -> Placement {
        do {
            try NoteAppender(repository: repository).append([(id, document)], on: commit, warn: warn)
            return .note
        } catch {
            let path = try keep(document, id: id, on: commit)
            return .journal(path: path, reason: "\(error)")
        }
    }

    /// Appends every journaled record to its note and removes its file; stops at the first
    /// note that cannot be written (the rest wait for the next command). Returns how many
    /// records moved.
    @discardableResult
    func flush(warn: (String) -> Void) -> Int {
        var moved = 0
        for (commit, entries) in Dictionary(grouping: entries(), by: \.commit).sorted(by: { $0.key < $1.key }) {
            do {
                try NoteAppender(repository: repository).append(entries.map { ($0.id, $0.document) }, on: commit, warn: warn)
            } catch {
                return moved
            }
            for entry in entries { unlink(entry.path) }
            moved += entries.count
        }
        return moved
    }

    /// The records waiting in the journal, in run-id order.
    public func entries() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().compactMap { name in
            guard name.hasSuffix(".yaml"), !name.hasPrefix(".") else { return nil }
            let parts = name.dropLast(5).split(separator: "@")
            let path = "\(directory)/\(name)"
            guard parts.count == 2, let commit = ObjectID(hex: String(parts[1])),
                let data = FileManager.default.contents(atPath: path)
            else { return nil }
            return Entry(id: String(parts[0]), commit: commit, document: String(decoding: data, as: UTF8.self), path: path)
        }
    }

    /// Writes the record durably (temporary file, flushed, renamed, directory flushed), so a
    /// crash leaves the whole record or none of it.
    private func keep(_ document: String, id: String, on commit: ObjectID) throws -> String {
        let path = "\(directory)/\(id)@\(commit.hex).yaml"
        var transaction = FileTransaction()
        transaction.write(Data(document.utf8), to: URL(fileURLWithPath: path))
        try transaction.commit(durable: true)
        return path
    }
}

/// Appends run documents to the note on a commit, by compare-and-swap on
/// `refs/notes/recipes` (invariant 4 in docs/architecture.md), keeping every run already there.
///
/// A note may hold bytes git-recipe did not write: a NUL, or bytes that are not UTF-8 (from
/// plain `git notes` or a pull). A note is text to git, so such bytes cannot be written back
/// as they are: before the first append that would replace them, the note is kept verbatim
/// in `.git/recipes/set-aside/COMMIT-BLOB.note`, and `warn` names that file.
struct NoteAppender {
    /// The repository whose notes are appended to.
    let repository: Repository

    /// Appends `documents` to the note on `commit`, keeping every run there.
    func append(_ documents: [(id: String, text: String)], on commit: ObjectID, warn: (String) -> Void) throws {
        var setAside: Set<String> = []
        try repository.updateNote(on: commit, message: "git-recipe: record run \(documents.map(\.id).joined(separator: ", "))") { current in
            var note = RunNote(parsing: current)
            if let current, note.hasUnreadableBytes {
                let path = try keepVerbatim(current, on: commit)
                if setAside.insert(path).inserted {
                    warn(
                        "the note on \(commit.hex.prefix(12)) held bytes that are not text (a NUL or invalid UTF-8); "
                            + "it is kept verbatim in \(path), and the note keeps every run with those bytes replaced by U+FFFD")
                }
            }
            for document in documents { note.add(id: document.id, text: document.text) }
            return note.rendered
        }
    }

    /// Keeps the note's bytes as they were, once per blob; returns where.
    private func keepVerbatim(_ bytes: Data, on commit: ObjectID) throws -> String {
        let directory = "\(repository.commonDirectory)/recipes/set-aside"
        let path = "\(directory)/\(commit.hex)-\(ContentDigest.of(bytes).hex.prefix(16)).note"
        guard !FileManager.default.fileExists(atPath: path) else { return path }
        var transaction = FileTransaction()
        transaction.write(bytes, to: URL(fileURLWithPath: path))
        try transaction.commit()
        return path
    }
}

/// The notes ref's lock file has been there longer than any writer holds it: a process killed
/// while recording left it, and no run can be recorded or synced until it is removed.
struct NotesLocked: RecipeError, Equatable {
    /// The lock file's path.
    public let path: String
    /// Seconds it has existed.
    let age: Int

    /// Throws when `repository`'s notes ref is locked by a lock nobody holds any more.
    static func check(_ repository: Repository) throws(NotesLocked) {
        if let lock = repository.lingeringLock(of: Repository.notesRef) { throw NotesLocked(path: lock.path, age: lock.age) }
    }

    /// Exit 1: nothing can be recorded until the lock is removed.
    public var exitStatus: ExitStatus { .checkFailed }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        "\(path) has existed for \(age) s: a git or git-recipe process that was killed while recording a run left it, "
            + "and no run can be recorded while it is there. If no git or git-recipe process is running in this repository, "
            + "remove it: rm '\(path)'"
    }
}
