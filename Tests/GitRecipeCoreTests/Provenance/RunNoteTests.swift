import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

@Suite("Run notes")
struct RunNoteTests {
    static func document(_ id: String, status: String = "succeeded") -> String {
        "schema: git-recipe/run/v1\nid: \"\(id)\"\nrecipe: train\nstatus: \(status)\ncommit: \"\(String(repeating: "1", count: 40))\"\nlock: sha256:\(String(repeating: "a", count: 64))\nsteps:\n  - name: fit\n    exit: 0\n"
    }

    @Test func documentsStayInIdOrderAndAnIdIsKeptOnce() {
        var note = RunNote()
        note.add(id: "20261122T101500Z-bbbbbbbb", text: Self.document("20261122T101500Z-bbbbbbbb"))
        note.add(id: "20261122T091500Z-aaaaaaaa", text: Self.document("20261122T091500Z-aaaaaaaa"))
        note.add(id: "20261122T101500Z-bbbbbbbb", text: Self.document("20261122T101500Z-bbbbbbbb", status: "failed"))
        #expect(note.documents.map(\.id) == ["20261122T091500Z-aaaaaaaa", "20261122T101500Z-bbbbbbbb"])
        #expect(!note.rendered.contains("status: failed"), "the first document with an id wins")
        #expect(RunNote(parsing: note.rendered) == note)
    }

    /// "The latest run" is the last in id order: runs begun within one second (a fast
    /// sweep, two runs in a CI job) must sort in the order they began, not by their hex.
    @Test func idsSortInTheOrderTheyWereMade() throws {
        let ids = (0..<2000).map { _ in RunID.make() }
        let disorder = zip(ids, ids.dropFirst()).first { $0 >= $1 }
        #expect(disorder == nil, "\(disorder.map { "\($0) was made before \($1)" } ?? "")")
        let shape = try Regex(#"^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{8}$"#)
        #expect(ids.allSatisfy { $0.wholeMatch(of: shape) != nil }, "\(ids[0])")
    }

}
