import Foundation

/// Installs git-recipe's git hooks where git looks for them (`core.hooksPath`, relative to
/// the work tree, else the common git directory's `hooks/`, which linked worktrees share).
/// A hook already there is kept beside ours as `NAME.before-git-recipe` and runs first,
/// with the same arguments and stdin; its failure blocks. Installing twice changes nothing,
/// and `uninstall` puts back exactly what was there.
public struct HookInstaller {
    /// The hooks git-recipe provides.
    public static let hooks = ["pre-commit", "pre-push"]
    /// The line that marks a hook as git-recipe's.
    static let marker = "# git-recipe hook v1"

    /// Where the hooks go: `core.hooksPath` if set, else `.git/hooks`.
    public let directory: String

    /// The installer for `repository`'s hooks.
    public init(repository: Repository) throws {
        if let configured = try repository.config("core.hooksPath"), !configured.isEmpty {
            directory = configured.absolute(relativeTo: repository.workTree)
        } else {
            directory = "\(repository.commonDirectory)/hooks"
        }
    }

    /// What happened to one hook.
    public enum Outcome: Equatable, Sendable {
        case installed, chained, updated, alreadyInstalled
        case leftAlone(String)
        case removed, restored, notOurs
    }

    /// The script installed as `name`. The pre-commit script first answers the common case
    /// itself: when `.git/recipes/watch-cache` matches the staged `.recipes/` entries and no
    /// staged path touches a watched one, nothing relevant is staged and git-recipe is not
    /// started at all (git's own diff is a few milliseconds; starting git-recipe is more
    /// than the hook's whole budget). Any doubt falls through to the full check, which calls
    /// `git-recipe` itself: `git recipe` would start git only to find it on the PATH (where
    /// git puts its exec-path for hooks, so a git-recipe installed there is found too).
    static func script(_ name: String) -> String {
        let check = name == "pre-commit" ? "pre_commit_fast_path || git-recipe hook run \(name) \"$@\"" : "git-recipe hook run \(name) \"$@\""
        let fastPath =
            name != "pre-commit"
            ? ""
            : """
            \(WatchCache.shellFastPath)

            """
        return """
            #!/bin/sh
            \(marker): installed by `git recipe hook install`; `git recipe hook uninstall` restores what was here.
            \(fastPath)chained="$0.before-git-recipe"
            if [ -x "$chained" ]; then
                input=$(mktemp) || exit 1
                cat > "$input"
                "$chained" "$@" < "$input" && { \(check); } < "$input"
                status=$?
                rm -f "$input"
                exit $status
            fi
            \(check)

            """
    }

    /// Installs every hook, keeping one that was there; `force` replaces an earlier saved one.
    public func install(force: Bool) throws -> [(hook: String, outcome: Outcome)] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try Self.hooks.map { name in (name, try install(name, force: force)) }
    }

    /// Installs one hook; a hook already there is moved aside and chained, unless it cannot be kept safely.
    private func install(_ name: String, force: Bool) throws -> Outcome {
        let path = "\(directory)/\(name)"
        let saved = "\(path).before-git-recipe"
        var chained = false
        var updated = false
        if isOurs(path) {
            // An older git-recipe's script is replaced; the hook it chains stays chained.
            guard (try? String(contentsOfFile: path, encoding: .utf8)) != Self.script(name) else { return .alreadyInstalled }
            updated = true
        } else if let existing = try? FileManager.default.attributesOfItem(atPath: path) {
            let isFile = existing[.type] as? FileAttributeType == .typeRegular
            if !force {
                if FileManager.default.fileExists(atPath: saved) {
                    return .leftAlone(
                        "\(saved) already exists, so the hook there cannot be kept beside ours; move one of them, or pass --force to replace the saved one"
                    )
                }
                if !isFile {
                    return .leftAlone("it is not a regular file; pass --force to keep it beside ours and chain it anyway")
                }
            }
            try? FileManager.default.removeItem(atPath: saved)
            guard rename(path, saved) == 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
            chained = true
        }
        var transaction = FileTransaction()
        transaction.write(Data(Self.script(name).utf8), to: URL(fileURLWithPath: path), permissions: 0o755)
        do {
            try transaction.commit()
        } catch {
            if chained { rename(saved, path) }
            throw error
        }
        return updated ? .updated : chained ? .chained : .installed
    }

    /// Removes every hook and puts back what was there.
    public func uninstall() throws -> [(hook: String, outcome: Outcome)] {
        try Self.hooks.map { name in
            let path = "\(directory)/\(name)"
            let saved = "\(path).before-git-recipe"
            guard FileManager.default.fileExists(atPath: path) else { return (name, .removed) }
            guard isOurs(path) else { return (name, .notOurs) }
            try FileManager.default.removeItem(atPath: path)
            guard FileManager.default.fileExists(atPath: saved) || (try? FileManager.default.destinationOfSymbolicLink(atPath: saved)) != nil else {
                return (name, .removed)
            }
            guard rename(saved, path) == 0 else { throw FileWriteError(path: saved, reason: String(cString: strerror(errno))) }
            return (name, .restored)
        }
    }

    /// Whether the hook at `path` is one git-recipe installed.
    private func isOurs(_ path: String) -> Bool {
        (try? String(contentsOfFile: path, encoding: .utf8))?.contains(Self.marker) == true
    }
}
