import Foundation

/// A starter project that `git recipe init` writes: recipes, a component, example code and
/// the `.gitignore` entries for its outputs. The files come from `templates/NAME/` in the
/// source tree and are compiled into the binary.
public struct Template: Sendable {
    /// The template's file that lists output paths to add to `.gitignore`.
    static let gitignoreEntries = "gitignore"

    /// The folder of `templates/` that holds CI templates rather than a project.
    static let ciFolder = "ci"

    public static var names: [String] { EmbeddedTemplates.files.keys.filter { $0 != ciFolder }.sorted() }

    /// The forges a CI template exists for: `templates/ci/FORGE/`.
    public static var ciNames: [String] {
        Set((EmbeddedTemplates.files[ciFolder] ?? [:]).keys.compactMap { $0.split(separator: "/").first.map(String.init) }).sorted()
    }

    public let name: String
    /// Relative path → contents.
    let files: [String: Data]

    public init(named name: String) throws {
        guard name != Self.ciFolder, let encoded = EmbeddedTemplates.files[name] else { throw ScaffoldError.unknownTemplate(name) }
        self.name = name
        files = encoded.mapValues { Data(base64Encoded: $0)! }
    }

    /// The CI job for `forge` (`github`, `gitlab`): verify and diff on every pull request.
    public init(ci forge: String) throws {
        let prefix = forge + "/"
        let encoded = (EmbeddedTemplates.files[Self.ciFolder] ?? [:]).filter { $0.key.hasPrefix(prefix) }
        guard !encoded.isEmpty else { throw ScaffoldError.unknownCI(forge) }
        name = "ci/" + forge
        files = Dictionary(uniqueKeysWithValues: encoded.map { (String($0.key.dropFirst(prefix.count)), Data(base64Encoded: $0.value)!) })
    }
}

/// What `init` did, for the command to print.
public struct ScaffoldResult: Equatable, Sendable {
    /// Paths written, relative to the work tree, sorted.
    public var written: [String] = []
    /// Paths already identical to the template's.
    public var unchanged: [String] = []
}

extension Repository {
    /// Writes `template` into the work tree and sets the notes merge strategy.
    ///
    /// Existing files that differ from the template are listed and nothing is written,
    /// unless `force`. Files identical to the template are left alone, so running `init`
    /// twice changes nothing. All files are written together or not at all.
    public func scaffold(_ template: Template, force: Bool) throws -> ScaffoldResult {
        let root = URL(fileURLWithPath: workTree)
        var planned = template.files.filter { $0.key != Template.gitignoreEntries }
        if let entries = template.files[Template.gitignoreEntries] {
            planned[".gitignore"] = try gitignore(adding: entries, at: root.appending(path: ".gitignore"))
        }
        var result = ScaffoldResult()
        var conflicts: [String] = []
        var transaction = FileTransaction()
        for (path, contents) in planned.sorted(by: { $0.key < $1.key }) {
            let destination = root.appending(path: path)
            if let existing = FileManager.default.contents(atPath: destination.path) {
                if existing == contents {
                    result.unchanged.append(path)
                    continue
                }
                if path != ".gitignore" && !force { conflicts.append(path) }
            }
            transaction.write(contents, to: destination)
            result.written.append(path)
        }
        guard conflicts.isEmpty else { throw ScaffoldError.wouldOverwrite(conflicts) }
        try transaction.commit()
        try setConfig("notes.recipes.mergeStrategy", to: "union")
        // Rebases and amends carry run records to the rewritten commits, where review
        // commands show them as inherited.
        try addConfigValue("notes.rewriteRef", Repository.notesRef)
        return result
    }

    /// The `.gitignore` with the template's entries appended where missing.
    private func gitignore(adding entries: Data, at url: URL) throws -> Data {
        let existing = FileManager.default.contents(atPath: url.path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let present = Set(existing.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let missing = String(decoding: entries, as: UTF8.self).split(separator: "\n").filter { !present.contains(String($0)) }
        guard !missing.isEmpty else { return Data(existing.utf8) }
        var text = existing
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += missing.joined(separator: "\n") + "\n"
        return Data(text.utf8)
    }
}

/// Why `init` wrote nothing.
public enum ScaffoldError: RecipeError, Equatable {
    case unknownTemplate(String)
    case unknownCI(String)
    case wouldOverwrite([String])

    public var exitStatus: ExitStatus {
        switch self {
        case .unknownTemplate, .unknownCI: .invalidInput
        case .wouldOverwrite: .checkFailed
        }
    }

    public var description: String {
        switch self {
        case .unknownTemplate(let name):
            "unknown template '\(name)'; templates: \(Template.names.joined(separator: ", "))"
        case .unknownCI(let name):
            "no CI template for '\(name)'; there are: \(Template.ciNames.joined(separator: ", "))"
        case .wouldOverwrite(let paths):
            "these files exist and differ from the template, so nothing was written:\n"
                + paths.map { "  \($0)\n" }.joined()
                + "move them away, or run: git recipe init --force (which overwrites them)"
        }
    }
}
