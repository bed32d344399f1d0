import Foundation
import TestSupport
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `git recipe report`: golden Markdown over fixed records, and HTML any XML parser reads.
@Suite("git recipe report")
struct ReportTests {
    /// A commit whose recipe states its question and tolerance, with a single run, a
    /// three-seed sweep and an exact reproduction of the sweep's first run; `data/` is not in git.
    /// The single run's params (lr 0.01) are not what the recipe gives without overrides.
    static func history() throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        try repo.write("train.py", "print(1)\n")
        try repo.write(
            ".recipes/train.yaml",
            """
            version: 1
            description: Does a larger learning rate improve accuracy on the digits split?
            seed: 42
            params: {epochs: 10, lr: 0.02}
            steps:
              fit: {run: python3 train.py, inputs: [train.py, data/], outputs: [models/model.pkl], metrics: [metrics.json]}
            tolerance: {accuracy: 0.005}

            """)
        let commit = try ReviewTests.commit(repo, "first", at: "2026-11-20T10:00:00Z")
        let reproduction =
            ReviewTests.manifest(
                id: "20261120T120000Z-6666ffff", commit: commit, seed: 0, lr: "0.01", accuracy: "0.94", loss: "0.21", model: "e")
            + "reproduces: \"20261120T110000Z-2222bbbb\"\nverdict: exact\n"
        try ReviewTests.attach(
            [
                ReviewTests.manifest(
                    id: "20261120T100000Z-1111aaaa", commit: commit, seed: 42, lr: "0.01", accuracy: "0.95", loss: "0.2", model: "d"),
                ReviewTests.manifest(
                    id: "20261120T110000Z-2222bbbb", commit: commit, seed: 0, lr: "0.02", accuracy: "0.96", loss: "0.21", model: "e",
                    sweep: "sweep-5eed5eed"),
                ReviewTests.manifest(
                    id: "20261120T110000Z-3333cccc", commit: commit, seed: 1, lr: "0.02", accuracy: "0.97", loss: "0.19", model: "f",
                    sweep: "sweep-5eed5eed"),
                ReviewTests.manifest(
                    id: "20261120T110001Z-4444aaaa", commit: commit, seed: 2, lr: "0.02", accuracy: "0.965", loss: "0.2", model: "0",
                    sweep: "sweep-5eed5eed"),
                reproduction,
            ], to: commit, in: repo)
        return repo
    }

    @Test func goldenMarkdown() throws {
        let repo = try Self.history()
        let reviews = ReviewTests()
        try reviews.expectGolden("report-sweep.md", try repo.recipe("report", "sweep-5eed5eed", "--baseline", "1111aaaa"))
        try reviews.expectGolden("report-run.md", try repo.recipe("report", "1111aaaa"))
    }

    @Test func theEvidenceIsStatedFromTheRecords() throws {
        let repo = try Self.history()
        let sweep = try repo.recipe("report", "sweep-5eed5eed").stdout
        #expect(sweep.contains("**Evidence: strong** — 3 seeds, 1 reproduction, unsigned, on 1 host: exact."), "\(sweep)")
        let single = try repo.recipe("report", "1111aaaa").stdout
        #expect(single.contains("**Evidence: weak** — one run on one seed, not reproduced. To strengthen it, run a sweep"), "\(single)")
        #expect(single.contains("- ❌ **Seed variation measured** — one seed"))
        #expect(
            single.contains(
                "- ❌ **Command reconstructable** — the recipe and the recorded overrides give other params: `lr` 0.01 recorded, 0.02 rebuilt"))
        #expect(single.contains("- ❌ **Reproduced** — no reproduction recorded"))
        // A revision stands for its latest run or sweep that is not a reproduction.
        #expect(try repo.recipe("report", "HEAD").stdout == sweep)
        let unknown = try repo.recipe("report", "nothing-here")
        #expect(unknown.status == 2)
    }

    @Test func htmlIsOneWellFormedPageWithItsCharts() throws {
        let repo = try Self.history()
        let written = try repo.recipe("report", "sweep-5eed5eed", "--baseline", "1111aaaa", "--format", "html", "-o", "report.html")
        #expect(written.status == 0, "\(written)")
        #expect(written.stderr == "wrote report.html\n")
        let html = try repo.read("report.html")
        let document = try XMLDocument(data: Data(html.utf8), options: [])
        let root = try #require(document.rootElement())
        #expect(root.name == "html")
        let charts = try root.nodes(forXPath: "//*[local-name()='svg']")
        // accuracy and loss: per seed in the results, and baseline against candidate.
        #expect(charts.count == 4, "\(charts.count) charts")
        let resultPoints = try charts[0].nodes(forXPath: ".//*[local-name()='circle']")
        #expect(resultPoints.count == 3, "one point per seed")
        #expect(try charts[0].nodes(forXPath: ".//*[local-name()='rect']").count == 1, "the 95% interval")
        #expect(try charts[2].nodes(forXPath: ".//*[local-name()='circle']").count == 4, "the baseline's run and the sweep's three")
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"), "self-contained: nothing is fetched")
        #expect(
            try root.nodes(forXPath: "//*[local-name()='section']/*[local-name()='h2']").map { $0.stringValue ?? "" } == [
                "Question", "Setup", "Results", "Comparison with the baseline", "Reproductions", "Provenance", "Reproducibility checklist",
            ])
    }
}
