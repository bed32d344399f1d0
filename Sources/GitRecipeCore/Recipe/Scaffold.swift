import Foundation

/// A starter project that `git recipe init` writes: recipes, a component, example code and
/// the `.gitignore` entries for its outputs. The files come from `templates/NAME/` in the
/// source tree and are compiled into the binary.
public struct Template: Sendable {
    /// The template's file that lists output paths to add to `.gitignore`.
    static let gitignoreEntries = "gitignore"

    /// The folder of `templates/` that holds CI templates rather than a project.
    static let ciFolder = "ci"

    /// The templates `init --template` offers.
    public static var names: [String] { EmbeddedTemplates.files.keys.filter { $0 != ciFolder }.sorted() }

    /// The forges a CI template exists for: `templates/ci/FORGE/`.
    public static var ciNames: [String] {
        Set((EmbeddedTemplates.files[ciFolder] ?? [:]).keys.compactMap { $0.split(separator: "/").first.map(String.init) }).sorted()
    }

    /// The template's name.
    public let name: String
    /// Relative path → contents.
    let files: [String: Data]

    /// A template file as the build embedded it: base64 written by `embed-templates`, so
    /// text that does not decode is a broken build, not an input to handle.
    private static func decoded(_ base64: String) -> Data {
        guard let data = Data(base64Encoded: base64) else { preconditionFailure("an embedded template is not base64: rebuild git-recipe") }
        return data
    }

    /// The template named `name`.
    public init(named name: String) throws {
        guard name != Self.ciFolder, let encoded = EmbeddedTemplates.files[name] else { throw ScaffoldError.unknownTemplate(name) }
        self.name = name
        files = encoded.mapValues(Self.decoded)
    }

    /// The CI job for `forge` (`github`, `gitlab`): verify and diff on every pull request.
    public init(ci forge: String) throws {
        let prefix = forge + "/"
        let encoded = (EmbeddedTemplates.files[Self.ciFolder] ?? [:]).filter { $0.key.hasPrefix(prefix) }
        guard !encoded.isEmpty else { throw ScaffoldError.unknownCI(forge) }
        name = "ci/" + forge
        files = Dictionary(uniqueKeysWithValues: encoded.map { (String($0.key.dropFirst(prefix.count)), Self.decoded($0.value)) })
    }
}

/// What `init` did, for the command to print.
public struct ScaffoldResult: Equatable, Sendable {
    /// Paths written, relative to the work tree, sorted.
    public var written: [String] = []
    /// Paths already identical to the template's.
    var unchanged: [String] = []
    /// `.gitignore` entries of the template left out because they would hide paths the
    /// project's own rules keep (a `!data/01_raw/` under `data/`).
    public var keptRules: [String] = []
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
        var result = ScaffoldResult()
        if let entries = template.files[Template.gitignoreEntries] {
            (planned[".gitignore"], result.keptRules) = gitignore(adding: entries, at: root.appending(path: ".gitignore"))
        }
        if let attributes = Self.gitattributes(at: root) { planned[".gitattributes"] = attributes }
        var conflicts: [String] = []
        var transaction = FileTransaction()
        for (path, contents) in planned.sorted(by: { $0.key < $1.key }) {
            let destination = root.appending(path: path)
            if let existing = FileManager.default.contents(atPath: destination.path) {
                if existing == contents {
                    result.unchanged.append(path)
                    continue
                }
                if path != ".gitignore" && path != ".gitattributes" && !force { conflicts.append(path) }
            }
            transaction.write(contents, to: destination)
            result.written.append(path)
        }
        guard conflicts.isEmpty else { throw ScaffoldError.wouldOverwrite(conflicts) }
        try transaction.commit()
        try configureNotesSharing()
        try configureLockMerging()
        return result
    }

    /// `init --adopt`: an existing project configured for git-recipe without a line of
    /// template code or a `.gitignore` change: `.recipes/config.yaml` (when missing) and
    /// the notes configuration. Hooks are the command's to install.
    public func adopt() throws -> ScaffoldResult {
        var result = ScaffoldResult()
        let root = URL(fileURLWithPath: workTree)
        let config = root.appending(path: ProjectConfig.file)
        var transaction = FileTransaction()
        if FileManager.default.fileExists(atPath: config.path) {
            result.unchanged.append(ProjectConfig.file)
        } else {
            transaction.write(Data(ProjectConfig.starter.utf8), to: config)
            result.written.append(ProjectConfig.file)
        }
        if let attributes = Self.gitattributes(at: root) {
            transaction.write(attributes, to: root.appending(path: ".gitattributes"))
            result.written.append(".gitattributes")
        }
        try transaction.commit()
        try configureNotesSharing()
        try configureLockMerging()
        return result
    }

    /// The line that makes git merge locks with `git recipe merge-driver`.
    static let lockMergeAttribute = ".recipes/*.lock merge=recipe-lock"

    /// The project's `.gitattributes` with ``lockMergeAttribute`` appended; `nil` when it has it.
    private static func gitattributes(at root: URL) -> Data? {
        let existing =
            FileManager.default.contents(atPath: root.appending(path: ".gitattributes").path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard !existing.split(separator: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces) == lockMergeAttribute }) else { return nil }
        return Data((existing + (existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n") + lockMergeAttribute + "\n").utf8)
    }

    /// The `.gitignore` with the template's entries appended where missing, and the entries
    /// left out because a negation in it (`!data/01_raw/`) keeps a path the entry would
    /// hide: git cannot re-include a file whose directory is excluded, so the project's own
    /// rules would silently stop working.
    private func gitignore(adding entries: Data, at url: URL) -> (Data, [String]) {
        let existing = FileManager.default.contents(atPath: url.path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let lines = existing.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let present = Set(lines)
        let kept = lines.filter { $0.hasPrefix("!") }.map { $0.dropFirst().drop { $0 == "/" } }
        var missing: [String] = []
        var left: [String] = []
        for entry in String(decoding: entries, as: UTF8.self).split(separator: "\n").map(String.init) where !present.contains(entry) {
            let directory = entry.drop { $0 == "/" }
            let base = directory.hasSuffix("/") ? directory : directory + "/"
            if kept.contains(where: { $0.hasPrefix(base) || $0 == directory.dropLast(directory.hasSuffix("/") ? 1 : 0) }) {
                left.append(entry)
            } else {
                missing.append(entry)
            }
        }
        guard !missing.isEmpty else { return (Data(existing.utf8), left) }
        var text = existing
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += missing.joined(separator: "\n") + "\n"
        return (Data(text.utf8), left)
    }
}

/// Why `init` wrote nothing.
enum ScaffoldError: RecipeError, Equatable {
    case unknownTemplate(String)
    case unknownCI(String)
    case wouldOverwrite([String])

    /// Exit 2 for an unknown template, 1 when files are in the way.
    public var exitStatus: ExitStatus {
        switch self {
        case .unknownTemplate, .unknownCI: .invalidInput
        case .wouldOverwrite: .checkFailed
        }
    }

    /// What the user reads: what is wrong, and the command that fixes it.
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
