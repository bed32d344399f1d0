import Foundation
import Testing

/// docs/architecture.md: folders are layers. A file in `GitRecipeCore` may use the types and top-level
/// functions declared in its own folder and in the folders below it, never one declared in a
/// folder above it.
///
/// The check reads the sources: it collects every top-level type (struct, enum, class,
/// protocol, actor, typealias, func) by folder, then looks for their names, as whole words outside
/// comments, in the files of every lower folder.
@Suite struct LayeringTests {
    /// Bottom first.
    static let layers = ["Support", "Git", "Recipe", "Lock", "Store", "Provenance", "Run", "Checks", "Review"]

    static let core = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/GitRecipeCore")

    @Test func everyFolderIsALayer() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.core.path)
            .filter {
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: Self.core.appendingPathComponent($0).path, isDirectory: &isDirectory)
                    && isDirectory.boolValue
            }
        #expect(Set(folders).subtracting(Self.layers).isEmpty, "folders outside the layer list: \(Set(folders).subtracting(Self.layers).sorted())")
        #expect(try Self.sources().allSatisfy { Self.layers.contains($0.layer) })
    }

    @Test func noFileUsesATypeFromAFolderAbove() throws {
        let files = try Self.sources()
        var owner: [String: Source] = [:]
        for file in files {
            for name in Self.declaredTypes(in: file.text) where file.rank < owner[name]?.rank ?? .max { owner[name] = file }
        }
        var violations: [String] = []
        for file in files {
            let words = Self.words(in: Self.withoutComments(file.text))
            for name in words.sorted() {
                if let declaring = owner[name], declaring.rank > file.rank {
                    violations.append("\(file.path) uses \(name) from \(declaring.layer)/")
                }
            }
        }
        #expect(violations.isEmpty, "\(violations.count) uses of a higher layer:\n\(violations.joined(separator: "\n"))")
    }

    /// The check itself: it finds a type used from above, and ignores one named in a comment.
    @Test func theCheckFindsAnUpwardUse() {
        let source = "/// Unlike Runner, this\nstruct Lower { let plan: RunPlan // not Runner\n}\n"
        #expect(Self.words(in: Self.withoutComments(source)).contains("RunPlan"))
        #expect(!Self.words(in: Self.withoutComments(source)).contains("Runner"))
        #expect(
            Self.declaredTypes(in: "public final class Runner {\n  struct Inner {}\n}\nenum E {}\nfunc spawn<T>() {}\n") == ["Runner", "E", "spawn"])
    }

    struct Source {
        let path: String
        let layer: String
        let text: String
        var rank: Int { LayeringTests.layers.firstIndex(of: layer) ?? .max }
    }

    static func sources() throws -> [Source] {
        let enumerator = FileManager.default.enumerator(atPath: core.path)
        var files: [Source] = []
        while let path = enumerator?.nextObject() as? String {
            guard path.hasSuffix(".swift"), let layer = path.split(separator: "/").first, path.contains("/") else { continue }
            files.append(Source(path: path, layer: String(layer), text: try String(contentsOf: core.appendingPathComponent(path), encoding: .utf8)))
        }
        return files
    }

    /// Types declared at the top level (no indentation).
    static func declaredTypes(in text: String) -> [String] {
        let modifiers: Set<Substring> = ["public", "internal", "private", "fileprivate", "final", "indirect", "open"]
        let kinds: Set<Substring> = ["struct", "enum", "class", "protocol", "actor", "typealias", "func"]
        return text.split(separator: "\n").compactMap { line in
            guard let first = line.first, first.isLetter || first == "@" else { return nil }
            let words = line.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" && $0 != "@" })
            var index = 0
            while index < words.count, modifiers.contains(words[index]) || words[index].hasPrefix("@") { index += 1 }
            guard index + 1 < words.count, kinds.contains(words[index]) else { return nil }
            return String(words[index + 1])
        }
    }

    /// The text with `//` and `/* */` comments blanked; string literals are kept (an
    /// interpolation inside one can name a type).
    static func withoutComments(_ text: String) -> String {
        var result = ""
        var scalars = Array(text.unicodeScalars)[...]
        var inString = false
        while let scalar = scalars.first {
            if !inString, scalar == "/", scalars.dropFirst().first == "/" {
                scalars = scalars.drop { $0 != "\n" }
                continue
            }
            if !inString, scalar == "/", scalars.dropFirst().first == "*" {
                var rest = scalars.dropFirst(2)
                while !rest.isEmpty, !(rest.first == "*" && rest.dropFirst().first == "/") { rest = rest.dropFirst() }
                scalars = rest.dropFirst(2)
                continue
            }
            if scalar == "\"" { inString.toggle() }
            if scalar == "\\", inString {
                result.unicodeScalars.append(scalar)
                scalars = scalars.dropFirst()
            }
            if let next = scalars.first { result.unicodeScalars.append(next) }
            scalars = scalars.dropFirst()
        }
        return result
    }

    static func words(in text: String) -> Set<String> {
        Set(text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" }).map(String.init))
    }
}
