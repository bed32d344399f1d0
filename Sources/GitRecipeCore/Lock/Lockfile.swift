import Foundation
import Yams

/// A recipe's lock, `.recipes/NAME.lock` (docs/reference.md): everything a run depends on, pinned.
public struct Lockfile: Equatable, Sendable {
    /// The format version this release writes and reads.
    public static let version = 1

    /// Digest of the recipe after components are expanded (its structure, not its comments).
    public var recipe: ContentDigest
    /// The recipe's seed.
    public var seed: Int?
    /// Every parameter's value.
    public var params: [String: ParamValue]
    /// Each environment file's digest, by path.
    var environmentFiles: [String: ContentDigest]
    /// The container image, pinned by digest.
    var image: String?
    /// Each probe's trimmed output.
    public var probes: [String: String]
    /// Each asset's digest, by name.
    var assets: [String: ContentDigest]
    /// Inputs not produced by a step, and component files, by path as the recipe writes it.
    public var inputs: [String: ContentDigest]
    /// Each pinned component source the steps use: its commit and the files of it they need.
    var components: [String: PinnedSourceLock] = [:]

    /// A pinned component source as the lock pins it.
    struct PinnedSourceLock: Equatable, Sendable {
        /// The commit, 40 hex digits.
        var commit: String
        /// The component files the steps use, by path in the source.
        var files: [String: ContentDigest]
    }

    /// Where a recipe's lock lives.
    public static func path(for recipe: String) -> String { "\(Project.directory)/\(recipe).lock" }

    /// The lock without its `version` line: what its digest covers.
    private var body: CanonicalYAML {
        var environment: [String: CanonicalYAML] = [
            "files": .map(environmentFiles.mapValues { .string($0.description) }),
            "probes": .map(probes.mapValues(CanonicalYAML.string)),
        ]
        if let image { environment["image"] = .string(image) }
        return .ordered(
            [
                ("version", .int(Self.version)),
                ("recipe", .string(recipe.description)),
            ] + (seed.map { [("seed", CanonicalYAML.int($0))] } ?? []) + [
                ("params", .map(params.mapValues(CanonicalYAML.init))),
                ("environment", .map(environment)),
                ("assets", .map(assets.mapValues { .string($0.description) })),
                ("inputs", .map(inputs.mapValues { .string($0.description) })),
            ] + (components.isEmpty ? [] : [("components", componentsBody)]))
    }

    /// `components:` — written only when a step uses a pinned source, so that every other
    /// lock reads as before.
    private var componentsBody: CanonicalYAML {
        .map(
            components.mapValues { pinned in
                .ordered([("commit", .string(pinned.commit)), ("files", .map(pinned.files.mapValues { .string($0.description) }))])
            })
    }

    /// The file's text: the body in the order docs/reference.md shows with every mapping inside sorted, then
    /// `digest:` over the body's bytes.
    func rendered() -> String {
        let body = body.rendered()
        return body + "digest: \(ContentDigest.of(Data(body.utf8)))\n"
    }

    /// The lock's own digest: what runs record and `verify` compares.
    public var digest: ContentDigest { ContentDigest.of(Data(body.rendered().utf8)) }
}

/// A lockfile as read back: its digest, and every pinned value as text by where it stands,
/// so a fresh lock and the one on disk compare field by field.
public struct LockEntries: Equatable, Sendable {
    /// The digest of the lock's canonical text: what a run records as `lock`.
    public let digest: ContentDigest
    /// `section` → key → value as written; top-level scalars use the key "".
    public let values: [String: [String: String]]

    /// Reads a lock, checking its digest: a lock edited by hand or corrupted does not match.
    public init(parsing text: String, file: String, recipe: String) throws(LockfileError) {
        let (digest, mapping) = try Self.verified(text, file: file, recipe: recipe)
        var values: [String: [String: String]] = [:]
        /// Collects the leaves under `node` as `section.key` entries.
        func flatten(_ node: Node, section: String, key: String) {
            switch node {
            case .mapping(let mapping) where section == "environment" && key.isEmpty:
                for (name, value) in mapping { flatten(value, section: "environment.\(name.string ?? "")", key: "") }
            case .mapping(let mapping):
                for (name, value) in mapping {
                    flatten(value, section: section, key: key.isEmpty ? name.string ?? "" : "\(key).\(name.string ?? "")")
                }
            case .sequence(let items):
                values[section, default: [:]][key] = "[" + items.map { $0.scalar?.string ?? "" }.joined(separator: ", ") + "]"
            default:
                values[section, default: [:]][key] = node.scalar?.string ?? ""
            }
        }
        for (name, value) in mapping where name.string != "version" {
            flatten(value, section: name.string ?? "", key: "")
        }
        self.digest = digest
        self.values = values
    }

    /// A lock's digest and its body as YAML, once the text is known to be a lock: no merge
    /// conflict left in it, a digest that matches its body, and this version.
    static func verified(_ text: String, file: String, recipe: String) throws(LockfileError) -> (digest: ContentDigest, body: Node.Mapping) {
        let regenerate = "git recipe lock \(recipe)"
        if text.hasPrefix(LockMerge.conflictMarker) {
            let entries = text.split(separator: "\n").dropFirst().prefix { $0.hasPrefix("#   ") }.map { String($0.dropFirst(4)) }
            throw .conflicted(file: file, entries: entries, fix: "\(regenerate) && git add \(file)")
        }
        guard let range = text.range(of: "digest: ", options: .backwards),
            range.lowerBound == text.startIndex || text[text.index(before: range.lowerBound)] == "\n",
            let digest = ContentDigest(String(text[range.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw .corrupt(file: file, reason: "it has no digest line", fix: regenerate)
        }
        let body = String(text[..<range.lowerBound])
        guard ContentDigest.of(Data(body.utf8)) == digest else {
            throw .corrupt(file: file, reason: "its digest does not match its contents (edited by hand, or damaged)", fix: regenerate)
        }
        guard let node = try? Yams.compose(yaml: body), let mapping = node.mapping else {
            throw .corrupt(file: file, reason: "it is not a YAML mapping", fix: regenerate)
        }
        guard mapping["version"]?.scalar?.string == String(Lockfile.version) else {
            throw .corrupt(file: file, reason: "it is not a version-\(Lockfile.version) lock", fix: regenerate)
        }
        return (digest, mapping)
    }

    /// Every difference from `old` to `self`, in a stable order.
    public func changes(since old: LockEntries) -> [LockChange] {
        var changes: [LockChange] = []
        for section in Set(values.keys).union(old.values.keys).sorted() {
            let new = values[section] ?? [:]
            let previous = old.values[section] ?? [:]
            for key in Set(new.keys).union(previous.keys).sorted() where new[key] != previous[key] {
                changes.append(
                    LockChange(
                        isProbe: section == "environment.probes",
                        description: Self.describe(section: section, key: key, old: previous[key], new: new[key])))
            }
        }
        return changes
    }

    /// One line of a stale lock's report.
    private static func describe(section: String, key: String, old: String?, new: String?) -> String {
        let what: String =
            switch section {
            case "recipe": "the recipe's steps, commands, components or settings"
            case "seed": "seed"
            case "params": "param '\(key)'"
            case "inputs": "input '\(key)'"
            case "assets": "asset '\(key)'"
            case "environment.files": "environment file '\(key)'"
            case "environment.image": "image"
            case "environment.probes": "probe '\(key)'"
            case "components": componentEntry(key)
            default: key.isEmpty ? section : "\(section) '\(key)'"
            }
        switch (old, new) {
        case (nil, let new?): return "\(what): added (\(shorten(new)))"
        case (let old?, nil): return "\(what): removed (was \(shorten(old)))"
        case (let old?, let new?): return "\(what): \(shorten(old)) → \(shorten(new))"
        default: return what
        }
    }

    /// `lab.commit` as "the commit of component source 'lab'", `lab.files.PATH` as
    /// "file 'PATH' of component source 'lab'".
    private static func componentEntry(_ key: String) -> String {
        let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count >= 2 else { return "component source '\(key)'" }
        return parts[1] == "files" && parts.count == 3
            ? "file '\(parts[2])' of component source '\(parts[0])'" : "the commit of component source '\(parts[0])'"
    }

    /// A digest cut to its first hex digits; other values as they are.
    private static func shorten(_ value: String) -> String {
        ContentDigest(value)?.short ?? (value.contains(" ") || value.isEmpty ? "'\(value)'" : value)
    }
}

/// One way a lock on disk differs from the lock the recipe should have.
public struct LockChange: Equatable, Sendable, CustomStringConvertible {
    /// Probe outputs describe the machine rather than the commit.
    public let isProbe: Bool
    /// "input 'train.py': sha256:ab12… → sha256:cd34…"
    public let description: String
}

/// A lockfile that cannot be trusted.
public enum LockfileError: RecipeError, Equatable {
    case corrupt(file: String, reason: String, fix: String)
    /// `git recipe merge-driver` left it: both branches pinned these entries differently.
    case conflicted(file: String, entries: [String], fix: String)

    /// Exit 2: the lock file cannot be read.
    public var exitStatus: ExitStatus { .invalidInput }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .corrupt(let file, let reason, let fix): "\(file) cannot be trusted: \(reason); regenerate it: \(fix)"
        case .conflicted(let file, let entries, let fix):
            "\(file) holds a merge conflict — both branches pinned these differently: \(entries.joined(separator: "; ")); "
                + "regenerate it from the merged recipe and data: \(fix)"
        }
    }
}
