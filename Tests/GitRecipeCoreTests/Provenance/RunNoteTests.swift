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

}
