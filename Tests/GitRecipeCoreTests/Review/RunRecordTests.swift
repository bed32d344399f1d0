import Foundation
import Testing

@testable import GitRecipeCore

@Suite("Reading run records")
struct RunRecordTests {
    static let attached = ObjectID(hex: String(repeating: "1", count: 40))!

    /// A manifest as git-recipe writes it.
    static let canonical = CanonicalYAML.ordered([
        ("schema", .string("git-recipe/run/v1")),
        ("id", .string("20261122T101500Z-7f3a2c11")),
        ("recipe", .string("train: the \"big\" one")),
        ("status", .string("succeeded")),
        ("commit", .string(String(repeating: "2", count: 40))),
        ("lock", .string("sha256:" + String(repeating: "a", count: 64))),
        ("started", .string("2026-11-22T10:15:00Z")),
        ("finished", .string("2026-11-22T10:16:02Z")),
        ("seed", .int(42)),
        ("params", .map(["lr": .float(0.02)])),
        ("steps", .list([.ordered([("name", .string("fit")), ("exit", .int(0))])])),
        ("metrics", .map(["accuracy": .float(0.973), "eval.loss": .float(1e-05), "broken": .float(.nan)])),
        ("sweep", .string("sweep-1234abcd")),
    ]).rendered()

    @Test func theLineReaderAndTheYAMLParserReadTheSame() throws {
        let fast = try #require(RunRecord(document: Self.canonical, attachedTo: Self.attached))
        // The same manifest in flow style, as another tool might write it, takes the parser's path.
        let flow = Self.canonical.replacingOccurrences(
            of: "metrics:\n  accuracy: 0.973\n  broken: .nan\n  eval.loss: 1.0e-05\n",
            with: "metrics: {accuracy: 0.973, broken: .nan, eval.loss: 1e-05}\n")
        #expect(flow != Self.canonical)
        let parsed = try #require(RunRecord(document: flow, attachedTo: Self.attached))
        for record in [fast, parsed] {
            #expect(record.id == "20261122T101500Z-7f3a2c11")
            #expect(record.recipe == "train: the \"big\" one")
            #expect(record.commit == String(repeating: "2", count: 40))
            #expect(record.inheritedFrom == String(repeating: "2", count: 40), "attached to another commit than it ran on")
            #expect(record.seed == 42)
            #expect(record.sweep == "sweep-1234abcd")
            #expect(record.seconds == 62)
            #expect(record.metrics["accuracy"] == 0.973)
            #expect(record.metrics["eval.loss"] == 1e-05)
            #expect(record.metrics["broken"]?.isNaN == true)
            #expect(record.metrics.count == 3, "list items and params are not metrics")
        }
    }

    @Test func anOverrideOfAListOrMappingReadsOnOneLine() throws {
        let document =
            Self.canonical
            + CanonicalYAML.ordered([
                ("overrides", .map(["layers": .list([.int(3), .int(4)]), "optim": .map(["lr": .float(0.1)]), "name": .string("x")]))
            ]).rendered()
        let record = try #require(RunRecord(document: document, attachedTo: Self.attached))
        #expect(record.overrides == ["layers": "[3, 4]", "optim": "{lr: 0.1}", "name": "x"])
    }

    @Test func aDocumentThatIsNoManifestIsSkipped() {
        #expect(RunRecord(document: "hello: world\n", attachedTo: Self.attached) == nil)
        #expect(RunRecord(document: "[not, a, mapping]\n", attachedTo: Self.attached) == nil)
        #expect(RunRecord(document: "id: x\nrecipe: [unclosed\n", attachedTo: Self.attached) == nil)
    }

    /// Expected values from Python's `calendar.timegm` (a Foundation formatter is not safe
    /// to create from parallel tests here: ICU crashes).
    @Test func timestampsAreReadAsUnixTime() {
        let expected = [
            "1970-01-01T00:00:00Z": 0, "2000-02-29T23:59:59Z": 951_868_799,
            "2026-11-22T10:15:00Z": 1_795_342_500, "2100-03-01T00:00:01Z": 4_107_542_401,
        ]
        for (text, seconds) in expected { #expect(RunRecord.epochSeconds(text) == seconds, "\(text)") }
        #expect(RunRecord.epochSeconds("2026-11-22 10:15:00") == nil)
    }
}

@Suite("Seed statistics")
struct SeedStatisticsTests {
    @Test func meanSpreadAndStudentInterval() throws {
        let statistics = try #require(SeedStatistics([1, 2, 3, 4, 5]))
        #expect(statistics.mean == 3)
        #expect(abs(statistics.standardDeviation - 1.581139) < 1e-6)
        #expect(statistics.minimum == 1 && statistics.maximum == 5)
        // t(0.975, 4) = 2.776445: 3 ± 2.776445 · 1.581139 / √5.
        let interval = try #require(statistics.interval)
        #expect(abs(interval.upperBound - 4.963243) < 1e-4)
        #expect(abs(interval.lowerBound - 1.036757) < 1e-4)
        #expect(SeedStatistics([0.5])?.interval == nil, "one run says nothing about spread")
        #expect(SeedStatistics([]) == nil)
    }

    @Test func theTQuantileBeyondTheTableMatchesPublishedValues() {
        for (df, published) in [(40, 2.021075), (60, 2.000298), (120, 1.979930), (1000, 1.962339)] {
            #expect(abs(StudentT(degreesOfFreedom: Double(df)).quantile(0.975) - published) < 1e-4, "df \(df)")
        }
    }

    @Test func numbersAreShortInTables() {
        #expect(SeedStatistics.format(0.97312345) == "0.97312")
        #expect(SeedStatistics.format(12.3456789) == "12.3457")
        #expect(SeedStatistics.format(200) == "200")
        #expect(SeedStatistics.format(0.0000123456) == "1.2346e-05")
        #expect(SeedStatistics.format(0.30000000000000004) == "0.3")
        #expect(SeedStatistics.format(-1.5) == "-1.5")
    }
}
