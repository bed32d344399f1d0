import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

@Suite("The run index")
struct RunIndexTests {
    /// Forty commits, each with a note: canonical records with every field a record keeps
    /// (non-finite metrics, overrides, sweeps, grids, reproductions, text beyond ASCII), a
    /// hand-written record only the YAML parser reads, and a document that is no record.
    static func history() throws -> (repository: Repository, commits: [ObjectID], repo: TemporaryGitRepository) {
        let repo = try TemporaryGitRepository()
        let commitStream = (1...40).map { index in
            "commit refs/heads/main\nmark :\(index)\ncommitter T <t@example.org> \(1_700_000_000 + index) +0000\ndata 1\nc\n"
                + (index > 1 ? "from :\(index - 1)\n" : "") + "M 644 inline file.txt\ndata \(String(index).utf8.count)\n\(index)\n\n"
        }.joined()
        #expect(try run("git", ["fast-import", "--quiet"], in: repo.path, environment: repo.environment, input: commitStream).status == 0)
        let commits = try repo.git("rev-list", "main").split(separator: "\n").compactMap { ObjectID(hex: String($0)) }
        let notes = commits.enumerated().map { index, commit in
            let note =
                "---\n" + document(index, commit: commit) + (index % 3 == 0 ? "---\n" + document(index + 100, commit: commit) : "")
                + (index == 7 ? "---\nhello: not a run\n" : "")
                + (index == 11 ? "---\n{id: \"hand-11\", recipe: r, status: failed, commit: \"\(commit.hex)\", metrics: {a: {b: 2}}}\n" : "")
            return "N inline \(commit.hex)\ndata \(note.utf8.count)\n\(note)\n"
        }.joined()
        let notesStream = "commit refs/notes/recipes\ncommitter T <t@example.org> 1800000000 +0000\ndata 4\nruns\n" + notes + "\n"
        #expect(try run("git", ["fast-import", "--quiet"], in: repo.path, environment: repo.environment, input: notesStream).status == 0)
        return (try Repository.discover(from: repo.path, environment: [:]), commits, repo)
    }

    static func document(_ index: Int, commit: ObjectID) -> String {
        """
        schema: git-recipe/run/v1
        id: "2026112\(index % 10)T10\(String(format: "%04d", index))Z-\(String(format: "%08x", index))"
        recipe: r\(index % 4)
        status: \(["succeeded", "failed", "cancelled"][index % 3])
        commit: "\(index % 5 == 0 ? String(repeating: "e", count: 40) : commit.hex)"
        lock: sha256:\(String(repeating: "a", count: 64))
        started: "2026-11-20T10:00:00Z"
        finished: "2026-11-20T10:0\(index % 10):05Z"
        seed: \(index)

        """
            + (index % 2 == 0 ? "sweep: \"sweep-\(index / 4)\"\ngrid: \"grid-\(index / 8)\"\n" : "")
            + (index % 6 == 1 ? "reproduces: \"run-\(index - 1)\"\nverdict: \(["exact", "diverged"][index % 2])\n" : "")
            + "overrides:\n  lr: \"0.0\(index)\"\n  note: \"größer — \(index)\"\n"
            + "metrics:\n  accuracy: 0.\(index)\n  loss: \(index % 7 == 0 ? ".nan" : index % 9 == 0 ? "-.inf" : "1.5e-\(index % 4)")\n"
    }

    /// Each annotated commit's note blob.
    static func noteBlobs(_ repository: Repository) throws -> [ObjectID: ObjectID] {
        try repository.noteBlobs(inNotesCommit: #require(try repository.referenceTarget(Repository.notesRef)))
    }

    /// Every field of a record, numbers by their bits (a NaN is not equal to itself).
    static func fields(_ record: RunRecord) -> String {
        let metrics = record.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.bitPattern)" }
        return [
            record.id, record.recipe, record.status, record.commit, record.attachedTo.hex, record.lock, record.started, record.finished,
            "\(record.seed ?? -1)", record.sweep ?? "-", record.grid ?? "-", record.reproduces ?? "-", record.verdict ?? "-",
            metrics.joined(separator: ","), record.overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
            record.document,
        ].joined(separator: "|")
    }

    /// What each commit's note says, read note by note (never through the index).
    static func fromNotes(_ history: RunHistory, _ commits: [ObjectID]) throws -> [[String]] {
        try commits.map { try history.runs(on: $0).map(fields) }
    }

    /// The first read of a history writes the index; a later one reads every record from it,
    /// field for field what the notes say, warnings for documents that are no record included.
    @Test func recordsReadFromTheIndexAreThoseOfTheNotes() throws {
        let (repository, commits, repo) = try Self.history()
        defer { withExtendedLifetime(repo) {} }
        let path = RunIndex.path(in: repository)
        let cold = try RunHistory(repository: repository)
        let expected = try Self.fromNotes(cold, commits)
        #expect(expected.flatMap { $0 }.count == 55, "14 notes hold two records, one a third written by hand")
        #expect(expected[11].contains { $0.hasPrefix("hand-11|r|failed|") }, "the hand-written record is read by the parser")
        #expect(try cold.runs(on: commits).map { $0.map(Self.fields) } == expected)
        #expect(FileManager.default.fileExists(atPath: path), "the first read writes the index")

        let index = RunIndex(contentsOf: path)
        let blobs = try Self.noteBlobs(repository)
        #expect(blobs.values.allSatisfy { index.entry($0) != nil }, "every note is in it")
        let warm = try RunHistory(repository: repository)
        #expect(try warm.runs(on: commits).map { $0.map(Self.fields) } == expected)
        #expect(warm.warnings == cold.warnings)
        #expect(warm.warnings.count == 1 && warm.warnings[0].contains("holds 1 document that is not a run record"), "\(warm.warnings)")
    }

    /// Records read ahead from the index while the caller walks are those read after: over
    /// the whole history, over a part of it, and when there is no index yet.
    @Test func recordsReadAheadAreThoseReadAfter() throws {
        let (repository, commits, repo) = try Self.history()
        defer { withExtendedLifetime(repo) {} }
        let expected = try Self.fromNotes(RunHistory(repository: repository), commits)
        #expect(try RunHistory(repository: repository, readingAhead: true).runs(on: commits).map { $0.map(Self.fields) } == expected)
        let history = try RunHistory(repository: repository, readingAhead: true)
        Thread.sleep(forTimeInterval: 0.2)
        #expect(try history.runs(on: Array(commits[10..<14])).map { $0.map(Self.fields) } == Array(expected[10..<14]))
        #expect(try history.runs(on: commits).map { $0.map(Self.fields) } == expected)
        #expect(history.warnings.count == 1)
    }

    /// The index is read, not the notes, where it holds a blob: an entry written for one
    /// note's blob is what that commit's runs are. (So it holds nothing a note does not: its
    /// entries are written only from the notes.)
    @Test func aNoteInTheIndexIsNotReadAgain() throws {
        let (repository, commits, repo) = try Self.history()
        defer { withExtendedLifetime(repo) {} }
        let path = RunIndex.path(in: repository)
        let blobs = try Self.noteBlobs(repository)
        _ = try RunHistory(repository: repository).runs(on: commits)
        let (first, second) = (try #require(blobs[commits[0]]), try #require(blobs[commits[1]]))
        let other = try #require(RunIndex(contentsOf: path).entry(second))
        try RunIndex(contentsOf: path).write(Set(blobs.values), read: [first: RunIndex.encoded(other)], to: path)
        let runs = try RunHistory(repository: repository).runs(on: commits)
        #expect(runs[0].map(\.id) == runs[1].map(\.id))
        #expect(runs[0].allSatisfy { $0.attachedTo == commits[0] })
    }

    /// An index cut short, of another version, with an entry overwritten or not a file at
    /// all is ignored where it is damaged: those runs are read from the notes, and a readable
    /// index takes its place.
    @Test func aDamagedIndexIsIgnoredAndRebuilt() throws {
        let (repository, commits, repo) = try Self.history()
        defer { withExtendedLifetime(repo) {} }
        let path = RunIndex.path(in: repository)
        let expected = try Self.fromNotes(RunHistory(repository: repository), commits)
        _ = try RunHistory(repository: repository).runs(on: commits)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        var version = good
        version[4] = 99
        var entry = good
        entry.replaceSubrange(good.count - 400..<good.count - 300, with: Data(repeating: 0xFF, count: 100))
        let damaged: [(String, Data)] = [
            ("empty", Data()), ("cut in the header", good.prefix(40)), ("cut in the entries", good.prefix(good.count / 2)),
            ("another version", version), ("an entry overwritten", entry), ("not an index", Data("GRRI hello".utf8)),
            ("more entries than it could hold", good.prefix(8) + Data(repeating: 0xFF, count: 4) + good.dropFirst(12)),
        ]
        for (damage, bytes) in damaged {
            try bytes.write(to: URL(fileURLWithPath: path))
            let history = try RunHistory(repository: repository)
            #expect(try history.runs(on: commits).map { $0.map(Self.fields) } == expected, "\(damage)")
            let rebuilt = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(rebuilt == good, "\(damage): the index is rewritten whole")
        }
        // An index that cannot be written (here a directory stands in its place) costs only time.
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        #expect(try RunHistory(repository: repository).runs(on: commits).map { $0.map(Self.fields) } == expected)
    }

    /// A note that gains a run is a new blob: read from the notes, never from a stale entry.
    /// Entries of notes no longer there leave the index when it is rewritten.
    @Test func aNoteThatChangesIsReadAgain() throws {
        let (repository, commits, repo) = try Self.history()
        defer { withExtendedLifetime(repo) {} }
        let path = RunIndex.path(in: repository)
        _ = try RunHistory(repository: repository).runs(on: commits)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let note = try repo.git("notes", "--ref=recipes", "show", commits[2].hex)
        let added = "\n---\n" + Self.document(500, commit: commits[2])
        _ = try repo.git("notes", "--ref=recipes", "add", "-f", "-m", note + added, commits[2].hex)
        var history = try RunHistory(repository: repository)
        #expect(try history.runs(on: commits)[2].map(\.id).contains("20261120T100500Z-000001f4"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "one new note in forty does not rewrite the index")

        for commit in commits.prefix(4) { _ = try repo.git("notes", "--ref=recipes", "remove", commit.hex) }
        history = try RunHistory(repository: repository)
        let expected = try Self.fromNotes(history, commits)
        for commit in commits.dropFirst(4).prefix(4) {
            let note = try repo.git("notes", "--ref=recipes", "show", commit.hex)
            _ = try repo.git("notes", "--ref=recipes", "add", "-f", "-m", note + "\n---\n" + Self.document(600, commit: commit), commit.hex)
        }
        history = try RunHistory(repository: repository)
        let runs = try history.runs(on: commits)
        #expect(runs.prefix(4).allSatisfy { $0.isEmpty })
        #expect(runs.dropFirst(4).prefix(4).allSatisfy { $0.map(\.id).contains("20261120T100600Z-00000258") })
        #expect(runs.dropFirst(8).map { $0.map(Self.fields) } == Array(expected.dropFirst(8)))
        let blobs = try Self.noteBlobs(repository)
        let index = RunIndex(contentsOf: path)
        #expect(blobs.values.allSatisfy { index.entry($0) != nil }, "four new notes in thirty-six rewrite it")
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(written.count < before.count, "the removed notes' entries are gone")
    }
}
