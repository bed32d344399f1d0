import Foundation
import TestSupport
import Testing

/// `git recipe export`: a real run of the minimal template and a real sweep, each exported in
/// every format and checked by the standard's own tooling through `scripts/check-export`
/// (in-toto-attestation's protobufs, prov's round trip, openlineage-python's classes,
/// rocrate-validator with the Provenance Run Crate profile, ro-crate-py and runcrate).
@Suite("Provenance exports")
struct ExportTests {
    /// `scripts/check-export`.
    static let checker = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../scripts/check-export")
        .standardizedFileURL.path

    /// The minimal template, locked, committed, with a single run and a two-seed sweep.
    static func project() throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        #expect(try repo.recipe("init", "--template", "minimal").status == 0)
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("scaffold and lock")
        for arguments in [["run", "train"], ["run", "train", "--seeds", "0..1"]] {
            let result = try repo.recipe(arguments)
            guard result.status == 0 else { throw CommandFailure(command: "git recipe \(arguments.joined(separator: " "))", result: result) }
        }
        return repo
    }

    /// Exports `name` in every format into `directory` and checks each with its validator.
    static func exportAndCheck(_ name: String, in repo: TemporaryGitRepository, directory: String) throws {
        for format in ["in-toto", "prov", "openlineage", "ro-crate"] {
            let path = "\(directory)/\(format)"
            let export = try repo.recipe("export", name, "--format", format, "-o", path)
            #expect(export.status == 0, "\(format): \(export)")
            let check = try run("python3", [checker, format, path], in: repo.path, environment: ProcessInfo.processInfo.environment)
            #expect(check.status == 0, "\(format) of \(name) fails its validator: \(check)")
        }
    }

    @Test func aRunAndASweepPassTheStandardsValidators() throws {
        let repo = try Self.project()
        let exports = try TemporaryDirectory("git-recipe-exports")
        let runs = try repo.git("notes", "--ref=recipes", "show", "HEAD").split(separator: "\n").filter { $0.hasPrefix("id: ") }
        #expect(runs.count == 3)
        let sweep = try #require(try repo.git("notes", "--ref=recipes", "show", "HEAD").split(separator: "\n").first { $0.hasPrefix("sweep: ") })
        let single = String(runs[0].dropFirst(4)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        try Self.exportAndCheck(single, in: repo, directory: exports.path + "/run")
        try Self.exportAndCheck(
            String(sweep.dropFirst(7)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")), in: repo, directory: exports.path + "/sweep")

        // The statement's subjects are the run's record and its outputs, by SHA-256 as openssl
        // computes it over the bytes `checkout` restores.
        let statement =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: exports.path + "/run/in-toto"))) as? [String: Any]
        let subjects = try #require(statement?["subject"] as? [[String: Any]])
        let model = try #require(subjects.first { $0["name"] as? String == "models/model.json" })
        #expect(try repo.recipe("checkout", single).status == 0)
        #expect((model["digest"] as? [String: String])?["sha256"] == (try opensslSHA256(repo.path + "/models/model.json")))
        #expect(subjects.first?["name"] as? String == "\(single).yaml")
        // A sweep's in-toto export is one statement per line; its crate keeps each seed's outputs apart.
        #expect(try String(contentsOfFile: exports.path + "/sweep/in-toto", encoding: .utf8).split(separator: "\n").count == 2)
        let crate = try String(contentsOfFile: exports.path + "/sweep/ro-crate/ro-crate-metadata.json", encoding: .utf8)
        #expect(crate.contains("/models/model.json\""))
    }

    @Test func aCrateDescribesTheBytesThisCloneDoesNotHold() throws {
        let repo = try Self.project()
        try FileManager.default.removeItem(atPath: repo.path + "/.git/recipes/objects")
        let exports = try TemporaryDirectory("git-recipe-exports")
        // The sweep by its id: HEAD:train is the latest group, and two runs recorded within one
        // second (on a busy machine) need not be listed in the order they ran.
        let sweep = try #require(try repo.git("notes", "--ref=recipes", "show", "HEAD").split(separator: "\n").first { $0.hasPrefix("sweep: ") })
        let name = String(sweep.dropFirst(7)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let export = try repo.recipe("export", name, "--format", "ro-crate", "-o", exports.path + "/crate")
        #expect(export.status == 0, "\(export)")
        let metadata = try String(contentsOfFile: exports.path + "/crate/ro-crate-metadata.json", encoding: .utf8)
        // Outputs are in no store now; the scripts git tracks still travel with the crate.
        // Each seed's model of the two-seed sweep, its bytes gone, is described by a # id.
        let ids = metadata.components(separatedBy: "\"@id\": \"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        let absent = Set(ids.filter { $0.hasPrefix("#") && $0.hasSuffix("/models/model.json") })
        #expect(absent.count == 2, "\(absent)")
        #expect(FileManager.default.fileExists(atPath: exports.path + "/crate/train.py"))
        #expect(!FileManager.default.fileExists(atPath: exports.path + "/crate/models"))
        let check = try run(
            "python3", [Self.checker, "ro-crate", exports.path + "/crate"], in: repo.path, environment: ProcessInfo.processInfo.environment)
        #expect(check.status == 0, "\(check)")
    }

    @Test func badDestinationsAreRefusedAndChangeNothing() throws {
        let repo = try Self.project()
        let noDirectory = try repo.recipe("export", "HEAD:train", "--format", "ro-crate")
        #expect(noDirectory.status == 2 && noDirectory.stderr.contains("give it one with -o DIR"), "\(noDirectory)")
        let full = try TemporaryDirectory("git-recipe-exports")
        try "mine\n".write(toFile: full.path + "/notes.txt", atomically: true, encoding: .utf8)
        let occupied = try repo.recipe("export", "HEAD:train", "--format", "ro-crate", "-o", full.path)
        #expect(occupied.status == 2 && occupied.stderr.contains("exists and is not empty"), "\(occupied)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: full.path) == ["notes.txt"])
        let unknown = try repo.recipe("export", "HEAD:train", "--format", "cwl")
        #expect(unknown.status == 2, "\(unknown)")
    }
}
