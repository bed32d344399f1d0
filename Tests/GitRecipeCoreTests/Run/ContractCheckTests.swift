import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// Data files judged against their contracts: the first violation, with its
/// place and rule.
@Suite("Data contracts checked")
struct ContractCheckTests {
    /// The violation of `contract` by a file holding `bytes`; for a table, the same whatever
    /// the size of the chunks it is read in (every boundary, from one byte up, is tried).
    func violation(_ contract: DataContract, _ bytes: Data) throws -> String? {
        let directory = try TemporaryDirectory("contract")
        let path = directory.path + "/file"
        try bytes.write(to: URL(fileURLWithPath: path))
        let whole = ContractCheck.violation(of: contract, at: path, name: "data/file")
        if case .table = contract {
            for chunk in 1...max(1, bytes.count) {
                #expect(ContractCheck.violation(of: contract, at: path, name: "data/file", chunkSize: chunk) == whole, "chunks of \(chunk) bytes")
            }
        }
        return whole
    }

    let typed = DataContract.table(
        separator: UInt8(ascii: ","), columns: [.init(name: "id", type: "int"), .init(name: "score", type: "float"), .init(name: "ok", type: "bool")])

    @Test func aTableWithEveryColumnOfItsTypePasses() throws {
        let text = "name,id,score,ok\r\n\"Smith, J\",1,0.5,true\r\n\"say \"\"hi\"\"\n twice\",2,-1e-3,0\r\n\r\n"
        #expect(try violation(typed, Data(text.utf8)) == nil)
    }

    @Test func aValueOfAnotherTypeIsNamedByRowLineAndColumn() throws {
        #expect(
            try violation(typed, Data("id,score,ok\n1,0.5,true\n2,high,false\n".utf8))
                == "data/file: row 2 (line 3), column 'score': 'high' is not a float")
        #expect(try violation(typed, Data("id,score,ok\n1.5,0.5,true\n".utf8)) == "data/file: row 1 (line 2), column 'id': '1.5' is not an int")
        #expect(try violation(typed, Data("id,score,ok\n1,,true\n".utf8)) == "data/file: row 1 (line 2), column 'score': '' is not a float")
    }

    @Test func numbersAreReadAsStrtodReadsThemWhole() throws {
        let floats = DataContract.table(separator: UInt8(ascii: ","), columns: [.init(name: "x", type: "float")])
        for good in ["1", "-1.", ".5", "+2.5e10", "1E-3", "nan", "-Inf", "infinity"] {
            #expect(try violation(floats, Data("x\n\(good)\n".utf8)) == nil, "\(good)")
        }
        for bad in ["-", ".", "1e", "1e+", "1.2.3", "0x10", "1 5"] {
            #expect(try violation(floats, Data("x\n\(bad)\n".utf8)) == "data/file: row 1 (line 2), column 'x': '\(bad)' is not a float")
        }
        let ints = DataContract.table(separator: UInt8(ascii: ","), columns: [.init(name: "n", type: "int"), .init(name: "b", type: "bool")])
        #expect(try violation(ints, Data("n,b\n-12,TRUE\n+3,0\n".utf8)) == nil)
        #expect(try violation(ints, Data("n,b\n1,yes\n".utf8)) == "data/file: row 1 (line 2), column 'b': 'yes' is not a bool")
    }

    @Test func aMissingColumnOrAShortRowIsNamed() throws {
        #expect(try violation(typed, Data("id,ok\n1,true\n".utf8)) == "data/file: the header has no column 'score' (it has: id, ok)")
        #expect(try violation(typed, Data("id,score,ok\n1,0.5\n".utf8)) == "data/file: row 1 (line 2) has 2 fields, so no column 'ok'")
    }

    @Test func aTSVSplitsOnTabs() throws {
        let contract = DataContract.table(separator: UInt8(ascii: "\t"), columns: [.init(name: "label", type: "int")])
        #expect(
            try violation(contract, Data("text\tlabel\na, b\t1\nc\tyes\n".utf8)) == "data/file: row 2 (line 3), column 'label': 'yes' is not an int")
    }

    @Test func aDocumentIsJudgedByItsSchemaWithAJSONPointer() throws {
        let schema = DataContract.Schema(
            type: "object",
            properties: [
                (
                    "metrics",
                    DataContract.Schema(
                        type: "object", properties: [("acc", DataContract.Schema(type: "number", minimum: 0, maximum: 1))], required: ["acc"])
                ),
                ("labels", DataContract.Schema(type: "array", items: DataContract.Schema(choices: ["cat", "dog"]))),
            ], required: ["metrics"])
        let contract = DataContract.document(yaml: false, schema: schema)
        #expect(try violation(contract, Data(#"{"metrics": {"acc": 0.9}, "labels": ["cat", "dog"]}"#.utf8)) == nil)
        #expect(try violation(contract, Data(#"{"metrics": {"acc": 1.5}}"#.utf8)) == "data/file: /metrics/acc: 1.5 is above the maximum 1.0")
        #expect(try violation(contract, Data(#"{"metrics": {}}"#.utf8)) == "data/file: /metrics: lacks required 'acc'")
        #expect(
            try violation(contract, Data(#"{"metrics": {"acc": 0.1}, "labels": ["cat", "cow"]}"#.utf8))
                == "data/file: /labels/1: 'cow' is none of cat, dog")
        #expect(try violation(contract, Data("[1, 2]".utf8)) == "data/file: /: is an array, not object")
    }

    /// A NumPy .npy file (format 1.0) of `descr` and `shape`, with no data: the header is what is judged.
    func npy(_ descr: String, _ shape: String) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(shape)), }"
        header += String(repeating: " ", count: (64 - (10 + header.count + 1) % 64) % 64) + "\n"
        return Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]) + Data(header.utf8)
    }

    @Test func anArrayIsJudgedByDtypeAndShape() throws {
        #expect(try violation(.array(dtype: "float32", shape: [nil, 3]), npy("<f4", "100, 3")) == nil)
        #expect(try violation(.array(dtype: "float32", shape: [nil, 3]), npy("<f8", "100, 3")) == "data/file: dtype is <f8, not float32")
        #expect(try violation(.array(dtype: nil, shape: [nil, 3]), npy("<f4", "100, 4")) == "data/file: axis 1 has length 4, not 3")
        #expect(try violation(.array(dtype: nil, shape: [nil, 3]), npy("<f4", "100,")) == "data/file: has 1 axes (shape (100)), not 2")
        #expect(try violation(.array(dtype: "int64", shape: nil), Data("not numpy".utf8))?.contains("is not a NumPy .npy file") == true)
    }

    @Test func aDirectoryMustHoldAFileForEachGlob() throws {
        let directory = try TemporaryDirectory("contract-dir")
        try FileManager.default.createDirectory(atPath: directory.path + "/plots/roc", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: directory.path + "/plots/roc/train.json"))
        let contract = DataContract.directory(contains: ["*.json", "*.png"])
        #expect(ContractCheck.violation(of: contract, at: directory.path + "/plots", name: "eval/") == "eval/: holds no file matching '*.png'")
        #expect(ContractCheck.violation(of: .directory(contains: ["roc/*.json"]), at: directory.path + "/plots", name: "eval/") == nil)
    }
}
