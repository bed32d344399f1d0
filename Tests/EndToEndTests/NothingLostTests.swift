import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// No finished run's record is lost, whatever state the notes ref or a note is in.
@Suite("Nothing lost")
struct NothingLostTests {
    static let recipe = """
        version: 1
        seed: 1
        steps:
          work:
            run: mkdir -p out && date +%s%N > out/ran.txt
            outputs: [out/ran.txt]

        """

    static func documents(_ repo: TemporaryGitRepository) throws -> [String] {
        RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", "HEAD")).documents.map(\.id)
    }

    /// `kill -9` while the ref moves leaves `refs/notes/recipes.lock` behind: every later run
    /// used to run all its steps and then fail to record.
    @Test func aLingeringNotesLockIsRefusedBeforeAnyStepRuns() throws {
        let repo = try RunCommandTests.project(Self.recipe)
        let lock = "\(repo.path)/.git/refs/notes/recipes.lock"
        try FileManager.default.createDirectory(atPath: "\(repo.path)/.git/refs/notes", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: lock, contents: Data()))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: lock)
        let refused = try repo.recipe("run", "r")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("\(lock) has existed for "), "\(refused)")
        #expect(refused.stderr.contains("remove it: rm '\(lock)'"), "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: "\(repo.path)/out/ran.txt"), "no step ran")
        #expect(FileManager.default.fileExists(atPath: lock), "never removed: a live writer may hold it")
        #expect(try repo.recipe("pull", repo.path).status == 1)
    }

    /// A lock that appears while the steps run (a writer that then dies) keeps the record
    /// out of the note: it goes to the journal, `log` and `show` list it, and the next run
    /// that can appends it.
    @Test func aRecordThatCannotBeAppendedIsJournaledAndAppendedLater() throws {
        let repo = try RunCommandTests.project(
            Self.recipe.replacingOccurrences(
                of: "run: mkdir -p out", with: "run: touch \"$(git rev-parse --git-common-dir)/refs/notes/recipes.lock\" && mkdir -p out"))
        try FileManager.default.createDirectory(atPath: "\(repo.path)/.git/refs/notes", withIntermediateDirectories: true)
        let first = try repo.recipe("run", "r")
        #expect(first.status == 0, "\(first)")
        #expect(first.stderr.contains("its record is kept in \(repo.path)/.git/recipes/journal/"), "\(first)")
        let journal = try FileManager.default.contentsOfDirectory(atPath: "\(repo.path)/.git/recipes/journal")
        #expect(journal.count == 1, "\(journal)")
        let id = String(try #require(journal.first).prefix { $0 != "@" })
        let log = try repo.recipe("log")
        #expect(log.stdout.contains("\(id)  r  succeeded (journaled)"), "\(log)")
        #expect(try repo.recipe("show", id).stdout.hasPrefix("# journaled: "))

        try FileManager.default.removeItem(atPath: "\(repo.path)/.git/refs/notes/recipes.lock")
        try repo.write(".recipes/r.yaml", Self.recipe)
        try repo.commitAll("no lock")
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("lock")
        let second = try repo.recipe("run", "r")
        #expect(second.status == 0, "\(second)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(repo.path)/.git/recipes/journal").isEmpty)
        #expect(try repo.git("notes", "--ref=recipes", "show", "HEAD~2").contains("id: \"\(id)\""), "the journaled run is in its note")
        #expect(try Self.documents(repo).count == 1)
        _ = try repo.git("fsck", "--strict")
    }

    /// A note's bytes after a NUL used to be dropped at the next append (14 documents became 8).
    @Test(arguments: [Data([0]), Data([0xff, 0xfe])])
    func unreadableBytesInANoteAreKeptAndReported(bytes: Data) throws {
        let repo = try RunCommandTests.project(Self.recipe)
        for _ in 0..<3 { #expect(try repo.recipe("run", "r").status == 0) }
        let note = try repo.git("notes", "--ref=recipes", "show", "HEAD")
        let ids = try Self.documents(repo)
        let cut = try #require(note.range(of: "---\n", range: note.index(after: note.startIndex)..<note.endIndex))
        var tampered = Data(note[..<cut.lowerBound].utf8) + Data("# a comment ".utf8) + bytes + Data("\n".utf8)
        tampered += Data(note[cut.lowerBound...].utf8)
        try tampered.write(to: URL(fileURLWithPath: "\(repo.path)/.git/tampered"))
        let blob = try repo.git("hash-object", "-w", ".git/tampered").trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try repo.git("notes", "--ref=recipes", "add", "-f", "-C", blob, "HEAD")

        let run = try repo.recipe("run", "r")
        #expect(run.status == 0, "\(run)")
        let after = try Self.documents(repo)
        #expect(after.count == 4, "every run kept: \(after)")
        #expect(Set(after).isSuperset(of: ids))
        let setAside = try FileManager.default.contentsOfDirectory(atPath: "\(repo.path)/.git/recipes/set-aside")
        #expect(setAside.count == 1)
        #expect(FileManager.default.contents(atPath: "\(repo.path)/.git/recipes/set-aside/\(setAside[0])") == tampered, "kept verbatim")
        #expect(run.stderr.contains("warning: the note on "), "\(run)")
        #expect(run.stderr.contains("it is kept verbatim in \(repo.path)/.git/recipes/set-aside/\(setAside[0])"), "\(run)")
    }
}
