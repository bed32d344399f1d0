import Foundation
import Yams

/// The project's pinned component sources on this machine: which commits are
/// fetched, fetching them, and moving a source to another commit. Fetching happens only
/// here, from `git recipe components fetch|update`, `lock`, `run`, `test` and `reproduce`; `validate`,
/// the hooks and `verify` read what was fetched and never reach the network.
public struct ComponentSources {
    /// A source moved to another commit.
    public struct Update: Sendable {
        /// Its `rev` as it was written (a commit, or the branch or tag being replaced).
        public let previous: String
        /// The commit it is pinned to now.
        public let commit: ObjectID
    }

    /// The repository whose sources these are.
    let repository: Repository

    /// The sources of `repository`.
    public init(repository: Repository) {
        self.repository = repository
    }

    /// The source repository's path.
    private var path: String { SourceRepository.path(in: repository.commonDirectory) }

    /// The sources of `config` named (all when none).
    ///
    /// - Throws: ``ComponentSourceError`` for a name `config` does not have.
    public static func sources(of config: ProjectConfig, named names: [String]) throws -> [ComponentSource] {
        for name in names where !config.sources.contains(where: { $0.name == name }) {
            throw ComponentSourceError.unknown(name, known: config.sources.map(\.name))
        }
        return config.sources.filter { names.isEmpty || names.contains($0.name) }
    }

    /// The sources each commit of `revisions` pins (its `.recipes/config.yaml`), each
    /// source and commit once: what `verify` over a range needs fetched. A commit whose
    /// settings do not validate pins nothing here (`verify` reports it).
    public func pins(of revisions: Revisions) throws -> [ComponentSource] {
        var seen: Set<String> = []
        var pins: [ComponentSource] = []
        for commit in try repository.commits(of: revisions) {
            let files = StoredFiles(repository: repository, entries: try repository.treeEntries(of: commit))
            guard let config = try? Project.loadConfig(from: files) else { continue }
            pins += config.sources.filter { seen.insert("\($0.name) \($0.commit)").inserted }
        }
        return pins
    }

    /// Fetches each of `sources` whose commit is not here with the user's git, telling
    /// `announce` of each first; returns how many it fetched.
    public func fetchMissing(_ sources: [ComponentSource], announce: (String) -> Void) throws -> Int {
        let fetched = try SourceRepository.open(at: path)
        let missing = sources.filter { fetched?.hasCommit($0.commit) != true }
        for source in missing {
            announce("fetching component source '\(source.name)' at \(source.commit) from \(source.url)")
            _ = try SourceRepository.fetch(url: source.url, rev: source.commit.description, into: path, from: repository.workTree)
        }
        return missing.count
    }

    /// Fetches `rev` of source `name` (the remote's `HEAD` when `nil`), and rewrites its
    /// `rev:` in `.recipes/config.yaml` to the commit — only after the project, with the
    /// new commit, validates; the file is replaced whole by rename.
    ///
    /// - Throws: ``ComponentSourceError`` for an unknown source; ``SourceFetchError`` when
    ///   the fetch fails; ``ValidationFailure`` when the project does not validate at the
    ///   new commit (nothing is written).
    public func update(_ name: String, to rev: String?) throws -> Update {
        let files = WorkingTreeFiles(root: repository.workTree)
        guard let text = try files.read(ProjectConfig.file) else { throw ComponentSourceError.unknown(name, known: []) }
        let place = try Self.revPlace(of: name, in: text)
        let commit = try SourceRepository.fetch(url: place.url, rev: rev ?? "HEAD", into: path, from: repository.workTree)
        let updated = try Self.replacing(place, with: commit.description, in: text)
        _ = try Project.load(from: ConfigOverlay(base: files, config: updated))
        var transaction = FileTransaction()
        transaction.write(Data(updated.utf8), to: URL(fileURLWithPath: "\(repository.workTree)/\(ProjectConfig.file)"))
        try transaction.commit()
        return Update(previous: place.written, commit: commit)
    }

    /// Where `rev` of source `name` is written in the settings file's text, and its URL —
    /// found even when `rev` is a branch or tag (which is what `update` exists to fix).
    private static func revPlace(of name: String, in text: String) throws -> RevPlace {
        guard let root = try? Yams.compose(yaml: text), let source = root.mapping?["components"]?.mapping?[name]?.mapping else {
            throw ComponentSourceError.unknown(
                name, known: (try? Yams.compose(yaml: text))??.mapping?["components"]?.mapping?.keys.compactMap(\.string) ?? [])
        }
        guard let url = source["url"]?.scalar?.string, let rev = source["rev"], let written = rev.scalar?.string else {
            throw ComponentSourceError.incomplete(name)
        }
        return RevPlace(name: name, url: url, written: written, line: rev.mark?.line ?? 0, column: rev.mark?.column ?? 0)
    }

    /// Where a source's `rev` scalar starts.
    private struct RevPlace {
        let name: String
        let url: String
        let written: String
        let line: Int
        let column: Int
    }

    /// `text` with the scalar at `place` — plain or quoted, in block or flow style — replaced
    /// by `commit`.
    private static func replacing(_ place: RevPlace, with commit: String, in text: String) throws -> String {
        var lines = text.components(separatedBy: "\n")
        guard place.line >= 1, place.line <= lines.count else { throw ComponentSourceError.cannotRewrite(commit) }
        let line = Array(lines[place.line - 1])
        let start = place.column - 1
        guard start >= 0, start < line.count else { throw ComponentSourceError.cannotRewrite(commit) }
        var end = start
        if line[start] == "\"" || line[start] == "'" {
            end = start + 1
            while end < line.count, line[end] != line[start] { end += 1 }
            end += 1
        } else {
            while end < line.count, !",}#".contains(line[end]) { end += 1 }
            while end > start, line[end - 1] == " " { end -= 1 }
        }
        lines[place.line - 1] = String(line[..<start]) + commit + String(line[min(end, line.count)...])
        let rewritten = lines.joined(separator: "\n")
        guard let root = try? Yams.compose(yaml: rewritten), root.mapping?["components"]?.mapping?[place.name]?.mapping?["rev"]?.string == commit
        else { throw ComponentSourceError.cannotRewrite(commit) }
        return rewritten
    }
}

/// Project files with the settings file's text replaced: the project as it would be.
private struct ConfigOverlay: ProjectFiles {
    let base: WorkingTreeFiles
    let config: String

    func read(_ path: String) throws -> String? { path == ProjectConfig.file ? config : try base.read(path) }
    func list(_ directory: String) throws -> [String] { try base.list(directory) }
    func sourceFiles(at commit: ObjectID) throws -> StoredFiles? { try base.sourceFiles(at: commit) }
}

/// A component source named on the command line that the settings do not have, that cannot
/// be updated, or whose commit is not fetched here.
public enum ComponentSourceError: RecipeError, Equatable {
    case unknown(String, known: [String])
    case incomplete(String)
    case cannotRewrite(String)
    case notFetched(ComponentSource)

    /// Exit 2 when the name or the settings file is wrong; 1 when a commit is not fetched.
    public var exitStatus: ExitStatus {
        if case .notFetched = self { return .checkFailed }
        return .invalidInput
    }

    /// What is wrong, and what to do.
    public var description: String {
        switch self {
        case .unknown(let name, let known):
            "no component source '\(name)' in \(ProjectConfig.file); sources: \(known.isEmpty ? "none (add one under 'components:' with url and rev)" : known.sorted().joined(separator: ", "))"
        case .incomplete(let name):
            "component source '\(name)' in \(ProjectConfig.file) needs 'url' and 'rev'"
        case .cannotRewrite(let commit):
            "cannot rewrite 'rev' in \(ProjectConfig.file); write rev: \(commit) there by hand, then run: git recipe lock"
        case .notFetched(let source): source.notFetched
        }
    }
}
