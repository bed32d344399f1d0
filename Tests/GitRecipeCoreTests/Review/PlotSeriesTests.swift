import Foundation
import Testing

@testable import GitRecipeCore

/// The series a plot file holds, as the dashboard draws them.
@Suite("Plot series")
struct PlotSeriesTests {
    func lines(_ text: String, _ path: String) throws -> [LineChart.Series] {
        try PlotSeries.lines(in: Data(text.utf8), kind: #require(PlotKind(path: path))).get()
    }

    @Test func dvclivesTSVIsDrawnAgainstItsStep() throws {
        let lines = try lines("timestamp\tstep\tloss\n1700000000\t10\t0.5\n1700000001\t20\t0.25\n", "dvclive/plots/metrics/loss.tsv")
        #expect(lines.map(\.name) == ["loss"])
        #expect(lines[0].points.map(\.x) == [10, 20] && lines[0].points.map(\.y) == [0.5, 0.25])
    }

    @Test func jsonRecordsAndObjectsOfListsAreBothRead() throws {
        let records = try lines(#"[{"epoch": 1, "acc": 0.5, "ok": true}, {"epoch": 2, "acc": 0.75, "ok": false}]"#, "curve.json")
        #expect(records.map(\.name) == ["acc"], "a boolean is not a number, and epoch is the x axis")
        #expect(records[0].points.map(\.x) == [1, 2])
        let lists = try lines(#"{"val": [3, 2, 1], "train": [4, "x", 2], "name": "run"}"#, "history.json")
        #expect(lists.map(\.name) == ["train", "val"])
        #expect(lists[0].points.map(\.x) == [0, 2], "a cell that is no number is left out")
    }

    @Test(arguments: [
        ("not json", "a.json", "it is not JSON"), ("[1, 2]", "a.json", "it is neither a list of records nor an object of number lists"),
        ("step,name\n1,a\n", "a.csv", "it holds no column of numbers"), ("", "a.tsv", "it holds no column of numbers"),
    ])
    func whatCannotBeDrawnSaysWhy(text: String, path: String, reason: String) throws {
        let result = PlotSeries.lines(in: Data(text.utf8), kind: try #require(PlotKind(path: path)))
        guard case .failure(let error) = result else {
            Issue.record("drawn: \(result)")
            return
        }
        #expect(error.reason == reason)
    }

    @Test func longSeriesAreThinnedAndManyLinesCut() throws {
        let header = (0..<12).map { "m\($0)" }.joined(separator: ",")
        let rows = (0..<10_000).map { row in (0..<12).map { "\(row * $0)" }.joined(separator: ",") }
        let lines = try lines(([header] + rows).joined(separator: "\n"), "wide.csv")
        #expect(lines.count == PlotSeries.lineLimit)
        #expect(lines.allSatisfy { $0.points.count == PlotSeries.pointLimit && $0.points.last?.x == 9_999 })
    }

    @Test func aPageNameNeverComesFromANote() {
        #expect(DashboardSite.fileName(of: "train") == "train.html")
        for hostile in ["../../x", "a/b", "", ".hidden", String(repeating: "a", count: 65), "trаin"] {
            let name = DashboardSite.fileName(of: hostile)
            #expect(name.hasPrefix("recipe-") && name.count == "recipe-".count + 16 + ".html".count, "\(hostile) → \(name)")
        }
    }
}
