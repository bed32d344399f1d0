import Foundation
import Synchronization

/// The runs recorded in `refs/notes/recipes`, found by commit, by range or by name.
public struct RunHistory {
    /// The repository whose runs are read.
    public let repository: Repository
    /// Annotated commit → note blob.
    private let notes: [ObjectID: ObjectID]
    /// Records waiting in the journal, by the commit they belong to, marked `journaled`.
    private let journaled: [ObjectID: [RunRecord]]
    /// Whether the notes are the recipes ref's, whose records ``RunIndex`` keeps.
    private let indexed: Bool
    /// The index's entries read on another thread while the caller walks the history.
    private let readAhead: ReadAhead?
    /// Every run, once read: a report resolves two names and finds reproductions, each
    /// needing them all.
    private let everything = Memo()

    /// `@unchecked Sendable`: its two variables are read and written only with `lock` held.
    private final class Memo: @unchecked Sendable {
        var runs: [RunRecord]?
        /// Commits whose note holds documents that are not run records, and how many.
        var unreadable: [ObjectID: Int] = [:]
        let lock = NSLock()
    }

    /// One line per note that held documents that are not run records: they are skipped by
    /// every review command (and kept in the note as they are), never silently.
    public var warnings: [String] {
        everything.lock.withLock { everything.unreadable }.sorted { $0.key < $1.key }.map { commit, count in
            "the note on \(commit.hex.prefix(12)) holds \(count) document\(count == 1 ? "" : "s") that \(count == 1 ? "is" : "are") not a run record; "
                + "skipped (see it: git notes --ref=recipes show \(commit.hex.prefix(12)))"
        }
    }

    /// Reads the notes under `ref` (and, for the recipes ref, the journal). `readingAhead`
    /// opens the run index at once and starts reading every note's records from it on another
    /// thread, for a caller that walks the history next (a walk keeps one core busy and
    /// leaves the other idle); the first ``runs(on:)`` stops it and uses what it read.
    public init(repository: Repository, ref: String = Repository.notesRef, readingAhead: Bool = false) throws {
        self.repository = repository
        let notes = try repository.referenceTarget(ref).map { try repository.noteBlobs(inNotesCommit: $0) } ?? [:]
        indexed = ref == Repository.notesRef
        let index = indexed && readingAhead ? RunIndex(contentsOf: RunIndex.path(in: repository)) : nil
        readAhead = index.flatMap { $0.isEmpty ? nil : ReadAhead(Array(Set(notes.values)), from: $0) }
        self.notes = notes
        journaled =
            ref != Repository.notesRef
            ? [:]
            : Dictionary(
                grouping: RunJournal(repository: repository).entries().compactMap { entry in
                    var record = RunRecord(document: entry.document, attachedTo: entry.commit)
                    record?.journaled = true
                    return record
                }, by: \.attachedTo)
    }

    /// `recorded` with the journaled runs of `commit` it lacks, in id order.
    private func withJournaled(_ recorded: [RunRecord], on commit: ObjectID) -> [RunRecord] {
        guard let waiting = journaled[commit] else { return recorded }
        let known = Set(recorded.map(\.id))
        return (recorded + waiting.filter { !known.contains($0.id) }).sorted { $0.id < $1.id }
    }

    /// The runs attached to `commit`, in id order.
    public func runs(on commit: ObjectID) throws -> [RunRecord] {
        guard let blob = notes[commit] else { return withJournaled([], on: commit) }
        let entry = Self.entry(in: try repository.blobContents(blob))
        return withJournaled(counted(entry.records.map { RunRecord($0, attachedTo: commit) }, entry.unreadable, on: commit), on: commit)
    }

    /// The runs attached to each of `commits`, in the same order: each note's records come
    /// from the run index when it holds them, else from the note, read and parsed on every
    /// core (`log` over ten thousand commits reads ten thousand notes), each worker with a
    /// repository handle of its own, as libgit2 handles are not shared between threads. The
    /// first error, in commit order, is thrown.
    public func runs(on commits: [ObjectID]) throws -> [[RunRecord]] {
        let noted = commits.indices.compactMap { index in notes[commits[index]].map { (index: index, blob: $0) } }
        // Opened here, not with the notes, unless read ahead: `status` reads one commit's runs.
        let index = readAhead?.index ?? (indexed ? RunIndex(contentsOf: RunIndex.path(in: repository)) : nil)
        let ahead = readAhead?.finish() ?? [:]
        let (workTree, gitDirectory) = (repository.workTree, repository.gitDirectory)
        let read = concurrentMap(
            noted.count, workers: min(ProcessInfo.processInfo.activeProcessorCount, (noted.count + 255) / 256),
            state: { nil as Result<Repository, any Error>? },
            transform: { handle, position -> Result<(entry: RunIndex.Entry, encoded: [UInt8]?), any Error> in
                if let entry = ahead[noted[position].blob] ?? index?.entry(noted[position].blob) { return .success((entry, nil)) }
                let opened =
                    handle ?? Result { try Repository.discover(from: workTree, environment: ["GIT_DIR": gitDirectory, "GIT_WORK_TREE": workTree]) }
                handle = opened
                return Result {
                    let entry = Self.entry(in: try opened.get().blobContents(noted[position].blob))
                    return (entry, index == nil ? nil : RunIndex.encoded(entry))
                }
            })
        var runs = [[RunRecord]](repeating: [], count: commits.count)
        var fresh: [ObjectID: [UInt8]] = [:]
        // `noted` is in commit order.
        for (note, result) in zip(noted, read) {
            let (entry, encoded) = try result.get()
            if let encoded { fresh[note.blob] = encoded }
            let commit = commits[note.index]
            runs[note.index] = counted(entry.records.map { RunRecord($0, attachedTo: commit) }, entry.unreadable, on: commit)
        }
        if let index, !fresh.isEmpty, fresh.count * 16 >= noted.count || fresh.keys.contains(where: index.holds) {
            // The index only saves work: one that cannot be written (a read-only clone) is
            // missed, not an error.
            try? index.write(Set(notes.values), read: fresh, to: RunIndex.path(in: repository))
        }
        return journaled.isEmpty ? runs : zip(commits, runs).map { withJournaled($1, on: $0) }
    }

    /// Reads the index's entries of `blobs` on a thread of its own until ``finish()``.
    /// `@unchecked Sendable`: `entries` is read and written only with `lock` held.
    private final class ReadAhead: @unchecked Sendable {
        /// The index read.
        let index: RunIndex
        private var entries: [ObjectID: RunIndex.Entry] = [:]
        private let lock = NSLock()
        private let stopped = Atomic<Bool>(false)
        private let done = DispatchGroup()

        init(_ blobs: [ObjectID], from index: RunIndex) {
            self.index = index
            onOwnThread(group: done) { [self] in
                for blob in blobs {
                    if stopped.load(ordering: .relaxed) { return }
                    guard let entry = index.entry(blob) else { continue }
                    lock.withLock { entries[blob] = entry }
                }
            }
        }

        /// Stops reading (after the entry at hand) and hands over what was read.
        func finish() -> [ObjectID: RunIndex.Entry] {
            stopped.store(true, ordering: .relaxed)
            done.wait()
            return lock.withLock { entries }
        }
    }

    /// The run records of a note, and how many of its documents are not one.
    private static func entry(in note: Data) -> RunIndex.Entry {
        let documents = RunNote(parsing: note).documents
        let records = documents.compactMap { RunRecord.Fields(document: $0.text) }
        return RunIndex.Entry(records: records, unreadable: documents.count - records.count)
    }

    /// `records`, noting how many documents of the note were not run records.
    private func counted(_ records: [RunRecord], _ unreadable: Int, on commit: ObjectID) -> [RunRecord] {
        if unreadable > 0 { everything.lock.withLock { everything.unreadable[commit] = unreadable } }
        return records
    }

    /// Every recorded run, once per commit it is attached to.
    public func allRuns() throws -> [RunRecord] {
        if let runs = everything.runs { return runs }
        let runs = try runs(on: Set(notes.keys).union(journaled.keys).sorted()).flatMap { $0 }
        everything.runs = runs
        return runs
    }

    /// What `name` names: a run id or a unique suffix of one, a sweep id, a grid id, `REV`
    /// (the runs on that commit) or `REV:RECIPE` (that recipe's latest run there, with the
    /// rest of its sweep). Unknown and ambiguous names are errors listing what exists.
    public func select(_ name: String) throws -> RunSelection {
        if let colon = name.lastIndex(of: ":"), colon != name.startIndex {
            return try select(recipe: String(name[name.index(after: colon)...]), at: String(name[..<colon]), name: name)
        }
        let everything = try allRuns()
        let byID = Dictionary(grouping: everything, by: \.id).mapValues(Self.original)
        if let run = byID[name] { return RunSelection(name: name, runs: [run]) }
        let sweep = everything.filter { $0.sweep == name }
        if !sweep.isEmpty { return RunSelection(name: name, runs: Self.unique(sweep).sortedBySeed()) }
        let grid = everything.filter { $0.grid == name }
        if !grid.isEmpty { return RunSelection(name: name, runs: Self.unique(grid).sorted { $0.id < $1.id }) }
        let matches = byID.values.filter { $0.id.hasSuffix(name) }.sorted { $0.id < $1.id }
        let commit = try repository.commit(named: name)
        let onCommit = try commit.map(runs(on:)) ?? []
        switch (matches.count, commit) {
        case (1, nil):
            return RunSelection(name: name, runs: matches)
        case (0, let commit?):
            guard !onCommit.isEmpty else {
                throw RunNameError(
                    "no runs are recorded on \(commit.hex.prefix(12)) ('\(name)'); record one with git recipe run RECIPE, or fetch others' with git recipe pull"
                )
            }
            return RunSelection(name: name, runs: onCommit)
        case (0, nil):
            throw RunNameError("no run, sweep or revision is named '\(name)'; list runs with: git recipe log")
        default:
            let candidates =
                matches.map { "  run \($0.id) (\($0.recipe), \($0.status), on \($0.attachedTo.hex.prefix(12)))" }
                + (commit.map { ["  revision \($0.hex.prefix(12)) (\(onCommit.count) run\(onCommit.count == 1 ? "" : "s"))"] } ?? [])
            throw RunNameError("'\(name)' is ambiguous; it could name:\n" + candidates.joined(separator: "\n") + "\ngive more of the run id")
        }
    }

    /// The latest group of `recipe`'s runs at `revision`: one run, or a sweep's seeds.
    private func select(recipe: String, at revision: String, name: String) throws -> RunSelection {
        guard let commit = try repository.commit(named: revision) else {
            throw RunNameError("unknown revision '\(revision)' in '\(name)'")
        }
        let runs = try runs(on: commit)
        guard let group = RunSelection(name: name, runs: runs).latestGroup(of: recipe) else {
            let recipes = Set(runs.map(\.recipe)).sorted()
            throw RunNameError(
                "no run of '\(recipe)' is recorded on \(commit.hex.prefix(12))"
                    + (recipes.isEmpty ? "" : "; it has runs of: \(recipes.joined(separator: ", "))"))
        }
        return RunSelection(name: name, runs: group)
    }

    /// A run attached to several commits (its note was copied by a rebase) is itself where
    /// it was recorded, when that commit still carries it.
    private static func original(_ copies: [RunRecord]) -> RunRecord {
        copies.first { $0.inheritedFrom == nil } ?? copies[0]
    }

    /// `runs` with each id once: the first of copies a rebase carried.
    static func unique(_ runs: [RunRecord]) -> [RunRecord] {
        Dictionary(grouping: runs, by: \.id).values.map(original)
    }
}

/// The runs a name selected, in id order.
public struct RunSelection: Sendable {
    /// The name as given: a run id, a commit, a range or `REV:RECIPE`.
    public let name: String
    /// The runs it names, in id order.
    public let runs: [RunRecord]

    /// The latest run of `recipe` with the rest of its sweep, if it belongs to one. A
    /// reproduction is chosen only when the recipe has no other run: it re-tells a result.
    func latestGroup(of recipe: String) -> [RunRecord]? {
        let candidates = runs.filter { $0.recipe == recipe }
        guard let latest = candidates.last(where: { $0.reproduces == nil }) ?? candidates.last else { return nil }
        guard let sweep = latest.sweep else { return [latest] }
        return runs.filter { $0.sweep == sweep }.sortedBySeed()
    }

    /// The run or sweep of `recipe` with the most seeds — the fairest baseline a revision
    /// offers (ties: the latest). Reproductions count only when there is nothing else.
    func largestGroup(of recipe: String) -> [RunRecord]? {
        let candidates = runs.filter { $0.recipe == recipe }
        let originals = candidates.filter { $0.reproduces == nil }
        let groups = Dictionary(grouping: originals.isEmpty ? candidates : originals) { $0.sweep ?? $0.id }.values
        return groups.max { ($0.count, $0.map(\.id).max() ?? "") < ($1.count, $1.map(\.id).max() ?? "") }?.sortedBySeed()
    }

    /// The recipes the selection holds runs of, sorted.
    public var recipes: [String] { Set(runs.map(\.recipe)).sorted() }
}

/// A run name that names nothing, or more than one thing.
struct RunNameError: RecipeError {
    /// What the user reads: what is wrong, and the command that fixes it.
    public let description: String
    /// Exit 2: the name names no run.
    public var exitStatus: ExitStatus { .invalidInput }

    /// A name that names no run.
    init(_ description: String) { self.description = description }
}

extension Array where Element == RunRecord {
    /// A sweep's runs in seed order (their ids, made in the same second, need not be).
    public func sortedBySeed() -> [RunRecord] {
        sorted { ($0.seed ?? .min, $0.id) < ($1.seed ?? .min, $1.id) }
    }
}
