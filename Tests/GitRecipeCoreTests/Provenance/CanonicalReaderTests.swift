import Foundation
import Testing

@testable import GitRecipeCore

@Suite struct CanonicalReaderTests {
    /// Pieces that mean something to YAML, mixed into generated strings.
    static let pieces = [
        "true", "yes", "No", "NULL", "~", "y", "1", "-1", "012", "0x1F", "0o7", "1_000", "+1", "0.5", "1e5", ".nan", "-.inf",
        "a: b", "a:b", "k:", "#x", " #", "- x", "-", "\"", "\\", "\n", "\t", "\r", "\u{7}", "é", "  ", " ", "[a]", "{", "}",
        "&a", "*a", "!t", "|", ">", "%", "@", "`", "2026-11-20T10:00:00Z", "2026-11-20", "<<", "=", "---", "...", "?", ",",
        "a", "b", "model", "data/", "x.y", "_", "/", "(", ")", "'", "\u{2028}", "\u{2029}", "\u{85}", "\u{9B}", "\u{FEFF}", "\u{FFFE}", "😀",
    ]

    /// A value from `seed`, nested at most `depth` deep.
    static func value(_ generator: inout SeededGenerator, depth: Int) -> CanonicalYAML {
        switch Int.random(in: 0..<(depth > 0 ? 7 : 4), using: &generator) {
        case 0: .string(string(&generator))
        case 1: .int(Int.random(in: -1_000_000...1_000_000, using: &generator) * (Bool.random(using: &generator) ? 1 : 1_000_000))
        case 2:
            .float(
                [Double.nan, .infinity, -.infinity, 0, -0.0, 1e-7, 1e20, 123_456.789, 0.1]
                    .randomElement(using: &generator)! * (Bool.random(using: &generator) ? 1 : Double.random(in: -2...2, using: &generator)))
        case 3: .bool(Bool.random(using: &generator))
        case 4, 5:
            .map(
                Dictionary(
                    (0..<Int.random(in: 0...4, using: &generator)).map { _ in (string(&generator), value(&generator, depth: depth - 1)) },
                    uniquingKeysWith: { first, _ in first }))
        default: .list((0..<Int.random(in: 0...4, using: &generator)).map { _ in value(&generator, depth: depth - 1) })
        }
    }

    /// One to three pieces joined.
    static func string(_ generator: inout SeededGenerator) -> String {
        (0..<Int.random(in: 1...3, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    @Test func readsEveryGeneratedDocumentAsTheGeneralParserDoes() throws {
        var generator = SeededGenerator(seed: 20_261_201)
        var accepted = 0
        for _ in 0..<3000 {
            let document = CanonicalYAML.map(
                Dictionary(
                    (0..<Int.random(in: 1...6, using: &generator)).map { _ in
                        (Self.string(&generator), Self.value(&generator, depth: 3))
                    }, uniquingKeysWith: { first, _ in first })
            ).rendered()
            guard let canonical = CanonicalReader.value(document) else { continue }
            let general = try ManifestValue(parsing: document)
            accepted += 1
            #expect(Self.same(canonical, general), "\(document)")
        }
        // Lists of lists fall back by design; everything else canonical YAML writes is read.
        #expect(accepted > 2000, "the fast reader accepted only \(accepted) of 3000 documents")
    }

    @Test func readsARecordedManifestWithoutTheGeneralParser() throws {
        for document in RunNote(parsing: RunManifestTests.recordedNote).documents {
            let manifest = try RunManifest(decoding: document.text)
            let canonical = try #require(CanonicalReader.value(manifest.rendered))
            #expect(Self.same(canonical, try ManifestValue(parsing: manifest.rendered)))
        }
    }

    @Test func stringsWithYAMLLineBreaksAndMarksRoundTrip() throws {
        let text = "a\u{2028}b\u{85}c\u{2029}d\u{9B}e\u{FFFE}f\u{7}"
        let document = CanonicalYAML.map(["k": .string(text)]).rendered()
        #expect(try ManifestValue(parsing: document)["k"] == .string(text))
        #expect(CanonicalReader.value(document)?["k"] == .string(text))
    }

    @Test(arguments: [
        "a: 1 # note\n", "a: {b: 1}\n", "a: 'x'\n", "a: |\n  x\n", "a: &x 1\nb: *x\n", "a:\n\t- 1\n", "a: 1\na: 2\n",
        "a: 0x1F\n", "a: 1_000\n", "a: +1\n", "a: yes\n", "a: 2026-11-20\n", "a:\n - 1\n", "a:   1\n", "a: \"x\u{2028}y\"\n", "a: \"x\u{85}\"\n",
        "a: \"\\x41\"\n",
        "a: 1\n---\nb: 2\n", "a:\n  - - 1\n", "? a\n: 1\n", "a: x \n",
    ])
    func leavesEverythingElseToTheGeneralParser(document: String) throws {
        #expect(CanonicalReader.value(document) == nil)
        _ = try? ManifestValue(yaml: document)
    }

    /// Equal, with NaN equal to NaN.
    static func same(_ left: ManifestValue, _ right: ManifestValue) -> Bool {
        switch (left, right) {
        case (.float(let a), .float(let b)): a == b || (a.isNaN && b.isNaN)
        case (.list(let a), .list(let b)): a.count == b.count && zip(a, b).allSatisfy(same)
        case (.map(let a), .map(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && same($0.value, $1.value) }
        default: left == right
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failure names a document that comes back.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
