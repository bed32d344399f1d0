import Foundation
import Testing
import Yams

@testable import GitRecipeCore

/// A params file rewritten for a run with overrides: only the changed values
/// change; every value reads back, in the file's own format, as the type it was declared.
@Suite("Params files rewritten with overrides")
struct ParamsFileOverrideTests {
    /// The file at `path` holding `text`, read as a recipe reads it.
    func file(_ path: String, _ text: String) throws -> ParamsFile {
        let reader = YAMLReader(file: ".recipes/r.yaml")
        let files = MemoryFiles(files: [path: text])
        let read = ParamsFile.read(try Yams.compose(yaml: "{file: \(path)}")!, reader: reader, files: files)
        #expect(reader.diagnostics.isEmpty, "\(reader.diagnostics)")
        return try #require(read.first)
    }

    @Test func unchangedValuesKeepTheFileByteForByte() throws {
        let text = "# comment\ntrain: {n_est: 50}   # trailing\n"
        let params = try file("params.yaml", text)
        #expect(try params.text(with: params.values) == text)
    }

    @Test func aChangedValueIsReplacedAndTheRestKeptInOrder() throws {
        let params = try file("params.yaml", "zeta: 1\ntrain:\n  lr: 0.1\n  flag: true\n  skip: null\nalpha: x\n")
        var changed = params.values
        changed["train"] = .map(["lr": .float(1e-5), "flag": .bool(true)])
        changed["zeta"] = .int(2)
        let text = try params.text(with: changed)
        #expect(text == "zeta: 2\ntrain:\n  lr: 1.0e-05\n  flag: true\n  skip: null\nalpha: x\n")
        #expect(try file("params.yaml", text).values == changed)
    }

    @Test func aStringThatLooksLikeAnotherTypeStaysAString() throws {
        let params = try file("params.yaml", "name: x\n")
        let text = try params.text(with: ["name": .string("true")])
        #expect(try file("params.yaml", text).values == ["name": .string("true")])
    }

    @Test func aJSONFileIsRewrittenAsJSON() throws {
        let params = try file("extra.json", "{\"depth\": 3, \"names\": [\"a\"], \"none\": null}\n")
        let text = try params.text(with: ["depth": .int(5), "names": .list([.string("a"), .string("b")])])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["depth"] as? Int == 5)
        #expect(object["names"] as? [String] == ["a", "b"])
        #expect(object["none"] is NSNull)
    }
}

/// Project files held in memory.
struct MemoryFiles: ProjectFiles {
    let files: [String: String]
    func read(_ path: String) throws -> String? { files[path] }
    func list(_ directory: String) throws -> [String] { [] }
    func sourceFiles(at commit: ObjectID) throws -> StoredFiles? { nil }
}
