import Foundation
import Yams

/// A three-way merge of a recipe's lock, entry by entry — what `git recipe merge-driver`
/// does when git merges two branches that both relocked. An entry is the
/// recipe's digest, the seed, the image, one param, one environment file, one probe, one
/// asset or one input. An entry one side changed and the other did not takes the change;
/// one both sides changed alike is kept; one both changed differently is a conflict. A clean
/// merge is rendered like any lock, its digest recomputed, so it is byte-for-byte the lock
/// `git recipe lock` would write for those entries.
///
/// A conflicted merge is written as a lock that nothing accepts: it opens with
/// ``conflictMarker`` and one comment line per conflicting entry, and every command that
/// reads it (`lock --check`, the hooks, `run`) names those entries and the fix.
public struct LockMerge {
    /// Two sides that pinned one entry differently.
    public struct Conflict: Equatable, Sendable {
        /// The entry, as `lock --check` names it: `input 'data/train.csv'`.
        public let entry: String
        /// Our side's value (`nil`: removed).
        public let ours: String?
        /// Their side's value (`nil`: removed).
        public let theirs: String?

        /// One comment line of a conflicted lock.
        var line: String { "\(entry): \(ours ?? "removed") (ours) vs \(theirs ?? "removed") (theirs)" }
    }

    /// What to write in place of our side.
    public let text: String
    /// The entries both sides pinned differently; none when the merge is clean.
    public let conflicts: [Conflict]

    /// The first line of a conflicted lock.
    static let conflictMarker = "# git recipe merge-driver: both branches pinned these entries differently:"

    /// Merges `ours` and `theirs`, locks of `recipe` at `file`, from their common `base`
    /// (empty when the lock is new on both sides). A side that is not a trustworthy lock (no
    /// digest, a digest that does not match) makes the whole lock a conflict: a wrong lock
    /// is never written as a merged one.
    public init(base: String, ours: String, theirs: String, file: String, recipe: String) {
        let fix = "git recipe lock \(recipe) && git add \(file)"
        var sides: [Lockfile?] = []
        var problems: [Conflict] = []
        for (name, text) in [("base", base), ("ours", ours), ("theirs", theirs)] {
            if name == "base" && text.isEmpty {
                sides.append(nil)
                continue
            }
            do {
                sides.append(try Self.lockfile(text, file: file, recipe: recipe))
            } catch {
                sides.append(nil)
                problems.append(Conflict(entry: "the \(name) side's lock", ours: nil, theirs: "\(error)"))
            }
        }
        guard problems.isEmpty, let mine = sides[1], let other = sides[2] else {
            conflicts = problems
            text = Self.conflicted(ours, problems, fix: fix)
            return
        }
        var found: [Conflict] = []
        let merged = Self.merge(base: sides[0], ours: mine, theirs: other, conflicts: &found)
        conflicts = found
        text = found.isEmpty ? merged.rendered() : Self.conflicted(merged.rendered(), found, fix: fix)
    }

    /// `body` (a lock, or our side's text) under the conflict header.
    private static func conflicted(_ body: String, _ conflicts: [Conflict], fix: String) -> String {
        ([conflictMarker] + conflicts.map { "#   \($0.line.replacingOccurrences(of: "\n", with: " "))" } + ["# resolve: \(fix)"])
            .joined(separator: "\n") + "\n" + body
    }

    /// Every entry merged three ways.
    private static func merge(base: Lockfile?, ours: Lockfile, theirs: Lockfile, conflicts: inout [Conflict]) -> Lockfile {
        func entries<Value: Equatable>(
            _ what: String, _ path: (Lockfile) -> [String: Value], describe: (Value) -> String
        ) -> [String: Value] {
            let (b, o, t) = (base.map(path) ?? [:], path(ours), path(theirs))
            var merged: [String: Value] = [:]
            for key in Set(o.keys).union(t.keys).union(b.keys).sorted() {
                let (old, mine, other) = (b[key], o[key], t[key])
                let value: Value?
                if mine == other || other == old {
                    value = mine
                } else if mine == old {
                    value = other
                } else {
                    conflicts.append(
                        Conflict(entry: what.replacingOccurrences(of: "KEY", with: key), ours: mine.map(describe), theirs: other.map(describe)))
                    value = mine
                }
                merged[key] = value
            }
            return merged
        }
        var lock = ours
        lock.recipe = entries("the recipe's digest", { ["": $0.recipe] }, describe: \.description)[""] ?? ours.recipe
        lock.seed = entries("the seed", { $0.seed.map { ["": $0] } ?? [:] }, describe: String.init)[""]
        lock.image = entries("the image", { $0.image.map { ["": $0] } ?? [:] }, describe: { $0 })[""]
        lock.params = entries("param 'KEY'", \.params, describe: \.description)
        lock.environmentFiles = entries("environment file 'KEY'", \.environmentFiles, describe: \.description)
        lock.probes = entries("probe 'KEY'", \.probes, describe: { $0 })
        lock.assets = entries("asset 'KEY'", \.assets, describe: \.description)
        lock.inputs = entries("input 'KEY'", \.inputs, describe: \.description)
        lock.components = entries("component source 'KEY'", \.components, describe: \.commit)
        return lock
    }

    /// A lock's text as a typed lock, its digest checked (`LockEntries`).
    private static func lockfile(_ text: String, file: String, recipe: String) throws(LockfileError) -> Lockfile {
        let root = try LockEntries.verified(text, file: file, recipe: recipe).body
        let corrupt = LockfileError.corrupt(file: file, reason: "it is not a lock this version writes", fix: "git recipe lock \(recipe)")
        guard let recipeDigest = root["recipe"]?.string.flatMap({ ContentDigest($0) }) else { throw corrupt }
        func digests(_ node: Node?) -> [String: ContentDigest]? {
            guard let mapping = node?.mapping else { return node == nil ? [:] : nil }
            var result: [String: ContentDigest] = [:]
            for (key, value) in mapping {
                guard let name = key.string, let digest = value.string.flatMap({ ContentDigest($0) }) else { return nil }
                result[name] = digest
            }
            return result
        }
        let environment = root["environment"]?.mapping
        var probes: [String: String] = [:]
        for (key, value) in environment?["probes"]?.mapping ?? [:] {
            guard let name = key.string, let output = value.string else { throw corrupt }
            probes[name] = output
        }
        var params: [String: ParamValue] = [:]
        for (key, value) in root["params"]?.mapping ?? [:] {
            guard let name = key.string, let param = ParamValue(value) else { throw corrupt }
            params[name] = param
        }
        guard let files = digests(environment?["files"]), let assets = digests(root["assets"]), let inputs = digests(root["inputs"])
        else { throw corrupt }
        var components: [String: Lockfile.PinnedSourceLock] = [:]
        for (key, value) in root["components"]?.mapping ?? [:] {
            guard let name = key.string, let commit = value.mapping?["commit"]?.string, let pinned = digests(value.mapping?["files"]) else {
                throw corrupt
            }
            components[name] = Lockfile.PinnedSourceLock(commit: commit, files: pinned)
        }
        return Lockfile(
            recipe: recipeDigest, seed: root["seed"]?.int, params: params, environmentFiles: files, image: environment?["image"]?.string,
            probes: probes, assets: assets, inputs: inputs, components: components)
    }
}

extension ParamValue {
    /// A param as a lock wrote it: scalars resolved as YAML does.
    fileprivate init?(_ node: Node) {
        switch node {
        case .scalar(let scalar):
            switch node.tag.description {
            case Tag.Name.int.rawValue:
                guard let value = node.int else { return nil }
                self = .int(value)
            case Tag.Name.float.rawValue:
                guard let value = node.float else { return nil }
                self = .float(value)
            case Tag.Name.bool.rawValue:
                guard let value = node.bool else { return nil }
                self = .bool(value)
            default: self = .string(scalar.string)
            }
        case .sequence(let items):
            let values = items.compactMap(ParamValue.init)
            guard values.count == items.count else { return nil }
            self = .list(values)
        case .mapping(let mapping):
            var values: [String: ParamValue] = [:]
            for (key, value) in mapping {
                guard let name = key.string, let param = ParamValue(value) else { return nil }
                values[name] = param
            }
            self = .map(values)
        case .alias:
            return nil
        }
    }
}
