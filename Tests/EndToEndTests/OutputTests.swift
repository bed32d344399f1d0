import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// Outputs are the run's own and lie inside the repository.
@Suite("Outputs")
struct OutputTests {
    /// Kedro's versioned datasets add a file to a directory each run: the step here names
    /// its file after how many are already there.
    static let appending = """
        version: 1
        seed: 1
        steps:
          save:
            run: mkdir -p out/versions && n=$(ls out/versions | wc -l) && echo data > out/versions/v$n.txt
            outputs: [out/versions/]

        """

    static func outputs(_ repo: TemporaryGitRepository) throws -> [String] {
        try RunNote(parsing: try repo.git("notes", "--ref=recipes", "show", "HEAD")).documents.map { document in
            String(try #require(document.text.range(of: "\noutputs:\n").map { document.text[$0.upperBound...] }))
        }
    }

    @Test func anOutputDirectoryAStepAppendsToHasTheSameDigestEveryRun() throws {
        let repo = try RunCommandTests.project(Self.appending)
        for _ in 0..<3 { #expect(try repo.recipe("run", "r").status == 0) }
        let recorded = try Self.outputs(repo)
        #expect(recorded.count == 3)
        #expect(Set(recorded).count == 1, "\(recorded)")
        #expect(recorded[0].hasPrefix("  out/versions/:\n    digest: sha256:"), "\(recorded[0])")
        #expect(recorded[0].contains("\n    files:\n      v0.txt:\n        digest: sha256:"), "the directory's listing: \(recorded[0])")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(repo.path)/out/versions") == ["v0.txt"])
    }

    @Test func aReproductionNamesTheFileOfADirectoryOutputThatDiffersAndCanBeKept() throws {
        let (repo, original) = try ReproduceTests.projectWithRun()
        let result = try repo.recipe(["reproduce", original, "--keep"], environment: ["NOISE": "1"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("  output out/model.txt: sha256:"), "\(result)")
        #expect(!result.stdout.contains("output out/rows"), "\(result)")
        let reproduction = try #require(
            result.stdout.split(separator: " ").first { $0.hasPrefix("20") && $0.contains("Z-") && !$0.contains(original) })
        let diff = try repo.recipe("diff", original, String(reproduction).trimmingCharacters(in: .punctuationCharacters))
        #expect(diff.stdout.contains("  out/model.txt "), "diff names the file of the directory that differs: \(diff)")
        let kept = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix("kept the reproduction's worktree: ") })
        let path = String(kept.dropFirst("kept the reproduction's worktree: ".count).prefix { $0 != " " })
        #expect(try String(contentsOfFile: "\(path)/out/model.txt", encoding: .utf8).contains("noise=1"))
        _ = try repo.git("worktree", "remove", "--force", path)
    }

    @Test(arguments: ["directory", "file"])
    func anOutputThroughASymbolicLinkIsRefusedBeforeTheStepRuns(kind: String) throws {
        let outside = try TemporaryDirectory("git-recipe-outside")
        try "precious\n".write(toFile: "\(outside.path)/said.txt", atomically: true, encoding: .utf8)
        // `out` without a slash: git ignores a link by that rule too, so the tree is clean and
        // only the output check stands between the run and the outside.
        let repo = try RunCommandTests.project(InjectionTests.recipe("mkdir -p out && echo run > out/said.txt"), ignore: "out\n")
        if kind == "directory" {
            try FileManager.default.createSymbolicLink(atPath: "\(repo.path)/out", withDestinationPath: outside.path)
        } else {
            try FileManager.default.createDirectory(atPath: "\(repo.path)/out", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: "\(repo.path)/out/said.txt", withDestinationPath: "\(outside.path)/said.txt")
        }
        let result = try repo.recipe("run", "r")
        #expect(result.status == 1, "\(result)")
        let link = kind == "directory" ? "out" : "out/said.txt"
        #expect(result.stderr.contains("the symbolic link '\(link)' (to \(outside.path)"), "\(result)")
        #expect(result.stderr.contains("rm '\(link)'"), "\(result)")
        #expect(try String(contentsOfFile: "\(outside.path)/said.txt", encoding: .utf8) == "precious\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path) == ["said.txt"])
        #expect(try repo.git("notes", "--ref=recipes", "list").isEmpty, "no run")
    }

    /// libgit2 let a `data/` rule ignore a symbolic link `data`, which git shows as `?? data`:
    /// the clean check now agrees with git status.
    @Test func aSymbolicLinkGitShowsAsUntrackedMakesTheTreeDirty() throws {
        let outside = try TemporaryDirectory("git-recipe-outside")
        let repo = try RunCommandTests.project(InjectionTests.recipe("mkdir -p out && echo run > out/said.txt"), ignore: "out/\ndata/\n")
        try FileManager.default.createSymbolicLink(atPath: "\(repo.path)/data", withDestinationPath: outside.path)
        #expect(try repo.git("status", "--porcelain") == "?? data")
        let result = try repo.recipe("run", "r")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("  untracked: data\n"), "\(result)")
    }
}
