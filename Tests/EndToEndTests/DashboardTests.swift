import Foundation
import TestSupport
import Testing

/// `git recipe dashboard` and the HTML report, read by a real browser: Debian's Chromium,
/// headless, with the network off.
@Suite("Dashboard in a browser", .enabled(if: HeadlessBrowser.shared.isAvailable, "\(HeadlessBrowser.skipReason)"))
struct DashboardTests {
    /// A recipe whose one step writes a metric, a dvclive-style TSV, a JSON series and an
    /// SVG image, declared as plots; `fail=1` makes it fail.
    static let recipe = """
        version: 1
        seed: 0
        params: {shift: 0.0, fail: 0}
        tolerance: {accuracy: 0.05}
        steps:
          train:
            run: python3 train.py {{params.shift}} {{params.fail}}
            inputs: [train.py]
            outputs: [out/]
            metrics: [metrics.json]
            plots: [out/loss.tsv, out/curve.json, out/figure.svg]

        """

    static let train = """
        import json, os, random, sys
        shift, fail = float(sys.argv[1]), int(sys.argv[2])
        if fail: sys.exit("asked to fail")
        random.seed(int(os.environ["RECIPE_SEED"]))
        os.makedirs("out", exist_ok=True)
        with open("out/loss.tsv", "w") as f:
            f.write("timestamp\\tstep\\tloss\\n")
            for i in range(40): f.write(f"1700000000\\t{i}\\t{1 / (1 + 0.2 * i)}\\n")
        json.dump([{"step": i, "acc": 1 - 1 / (1 + 0.1 * i), "val_acc": 0.9 - 1 / (1 + 0.1 * i)} for i in range(30)], open("out/curve.json", "w"))
        open("out/figure.svg", "w").write('<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90"><rect width="160" height="90" fill="#9cf"/></svg>')
        json.dump({"accuracy": 0.8 + shift + random.random() * 0.02}, open("metrics.json", "w"))

        """

    /// Two commits with a three-seed sweep each, the second reproduced, then a failed run.
    static func history() throws -> TemporaryGitRepository {
        let repo = try RunCommandTests.project(recipe, files: ["train.py": train], ignore: "out/\nmetrics.json\nsite/\n*.html\n*.png\n")
        try expectSuccess(repo.recipe("run", "r", "--seeds", "0..2"))
        try repo.write("train.py", train + "# second commit\n")
        try repo.commitAll("second")
        try expectSuccess(repo.recipe("lock"))
        try repo.commitAll("relock")
        try expectSuccess(repo.recipe("run", "r", "--seeds", "0..2", "-p", "shift=0.05"))
        try expectSuccess(repo.recipe("reproduce", "HEAD:r"))
        #expect(try repo.recipe("run", "r", "-p", "fail=1").status != 0)
        return repo
    }

    static func expectSuccess(_ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(result.status == 0, "\(result)", sourceLocation: sourceLocation)
    }

    @Test func theDashboardRendersInChromiumWithEveryRunMetricAndPlot() throws {
        let repo = try Self.history()
        let written = try repo.recipe("dashboard", "-o", "site")
        try Self.expectSuccess(written)
        let browser = HeadlessBrowser.shared
        let index = try browser.dom(of: "\(repo.path)/site/index.html")
        #expect(index.contains("<a href=\"recipes/r.html\">r</a>"), "\(index)")
        #expect(index.contains("14.3% (1 of 7)"), "the failure rate: one failed run of seven\n\(index)")

        let page = try browser.dom(of: "\(repo.path)/site/recipes/r.html")
        #expect(page.components(separatedBy: "<tr class=").count - 1 == 10, "3 + 3 seeds, the second sweep reproduced, a failed run\n\(page)")
        #expect(page.contains("diverged reproductions 0.0% (0 of 3)"))
        #expect(page.contains("<tr class=\"failed\">"))
        #expect(page.contains("reproduces <code>"))
        #expect(page.contains("accuracy over commits"))
        #expect(page.contains("<polygon"), "a sweep's interval is a band")
        #expect(page.contains("<th>shift</th>") && page.contains("<td>0.05</td>"), "params are columns")
        #expect(page.contains(", CPU ") && page.contains(" MiB"), "steps' CPU time and peak memory")
        #expect(page.contains("val_acc") && page.contains("out/loss.tsv"), "series plots are drawn")
        #expect(page.contains("<img src=\"../plots/"), "images are shown")
        #expect(!page.contains("<script"), "no script")
        let images = try FileManager.default.contentsOfDirectory(atPath: "\(repo.path)/site/plots")
        #expect(images.count == 1 && images[0].hasSuffix(".svg"), "one image, stored once by digest: \(images)")

        let shot = "\(repo.path)/dashboard.png"
        try browser.screenshot(of: "\(repo.path)/site/recipes/r.html", to: shot)
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
        #expect(png.count > 20_000, "a screenshot with something drawn: \(png.count) bytes")
        if let keep = ProcessInfo.processInfo.environment["DASHBOARD_SCREENSHOT"] { try png.write(to: URL(fileURLWithPath: keep)) }
    }

    @Test func theHTMLReportRendersInChromium() throws {
        let repo = try Self.history()
        // HEAD's latest run is the failed one; its first sweep is two commits back.
        try Self.expectSuccess(repo.recipe("report", "HEAD~2:r", "--format", "html", "-o", "report.html"))
        let report = try HeadlessBrowser.shared.dom(of: "\(repo.path)/report.html")
        #expect(report.contains("<h1>"), "\(report)")
        #expect(report.contains("<figure>") && report.contains("per seed: mean and 95% interval"), "the chart is drawn")
        #expect(report.contains("class=\"checklist\""))
        #expect(!report.contains("<script"))
    }

    @Test func aNoteCannotChooseWhereAPageGoesNorPutMarkupInIt() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("train.py", "print(1)\n")
        let commit = try ReviewTests.commit(repo, "first", at: "2026-11-20T10:00:00Z")
        let hostile = ReviewTests.manifest(
            id: "20261120T100000Z-6666ffff", commit: commit, seed: 1, lr: "0.01", accuracy: "0.9", loss: "0.1", model: "d"
        )
        .replacingOccurrences(of: "recipe: train", with: #"recipe: "../../escaped""#)
        .replacingOccurrences(of: "  loss: 0.1", with: "  \"<script>alert(1)</script>\": 0.1\n  \"<img src=x onerror=alert(1)>\": 0.2")
        try ReviewTests.attach([hostile], to: commit, in: repo)
        try Self.expectSuccess(repo.recipe("dashboard", "-o", "site"))
        let pages = try FileManager.default.contentsOfDirectory(atPath: "\(repo.path)/site/recipes")
        #expect(pages.count == 1 && pages[0].hasPrefix("recipe-"), "\(pages)")
        #expect(!FileManager.default.fileExists(atPath: "\(repo.path)/escaped.html"))
        let page = try HeadlessBrowser.shared.dom(of: "\(repo.path)/site/recipes/\(pages[0])")
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(page)")
        #expect(!page.contains("<script") && !page.contains("<img src=\"x\""))
    }

    @Test func aRangeWithoutRunsIsAClearError() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("a.txt", "a\n")
        try repo.commitAll("first")
        let result = try repo.recipe("dashboard", "-o", "site")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("no runs are recorded on the 1 commit of 'HEAD'; record one with git recipe run RECIPE"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: "\(repo.path)/site"))
    }
}
