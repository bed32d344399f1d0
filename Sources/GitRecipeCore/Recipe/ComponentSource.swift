import Yams

/// A repository of components pinned by commit (`components:` in `config.yaml`): steps use
/// its components as `NAME/COMPONENT`, read from that commit's tree as fetched into
/// `.git/recipes/components.git`.
public struct ComponentSource: Equatable, Sendable {
    /// The name steps use it by.
    public let name: String
    /// Where it is fetched from, as the user's git reads a URL (rewrites apply).
    public let url: String
    /// The commit it is pinned to.
    public let commit: ObjectID
    /// Where `rev` is written in the settings file.
    let mark: SourcePosition?

    /// The source's commit, shortened for messages and file names in diagnostics.
    var shortCommit: String { String(commit.description.prefix(12)) }

    /// How diagnostics name a file of the source: `NAME@COMMIT/PATH`.
    func display(_ path: String) -> String { "\(name)@\(shortCommit)/\(path)" }

    /// What to run when the commit is not fetched here.
    var fetchCommand: String { "git recipe components fetch \(name)" }

    /// What every command that needs the commit says when it is not fetched here.
    var notFetched: String {
        "component source '\(name)' is pinned to \(commit), which is not fetched here (from \(url)); run: \(fetchCommand)"
    }
}

extension ComponentSource {
    /// Reads `components:`: each source a name (letters, digits, `_`, `-`) with a `url` and
    /// a `rev` that is a full commit id. A branch or tag moves, so it is refused, with the
    /// command that resolves it to a commit.
    static func read(_ node: Node, reader: YAMLReader) -> [ComponentSource] {
        (reader.mapping(node, of: "components") ?? []).compactMap { name, value in
            let what = "component source '\(name.value)'"
            if !name.value.isIdentifier {
                reader.error("'\(name.value)' is not a valid component source name; use letters, digits, _ and -", at: name.mark)
            }
            guard let fields = reader.fields(value, of: what, allowed: ["url", "rev"]) else { return nil }
            guard let urlNode = fields["url"], let revNode = fields["rev"] else {
                reader.error("\(what) needs 'url' (where to fetch it) and 'rev' (the commit to use)", at: value)
                return nil
            }
            // A commit may be all digits, which YAML reads as a number: any scalar's text is the rev.
            guard let url = reader.string(urlNode, "url of \(what)"), let revText = reader.scalarText(revNode, "rev of \(what)") else {
                return nil
            }
            let rev = Located(revText, at: revNode.position)
            if url.value.isEmpty || url.value.hasPrefix("-") {
                reader.error("url of \(what) must be a git URL or path", at: url.mark)
                return nil
            }
            guard rev.value.wholeMatch(of: /[0-9a-f]{40}/) != nil, let commit = ObjectID(hex: rev.value) else {
                reader.error(
                    "rev '\(rev.value)' of \(what) is not a commit: pin 40 hex digits, since a branch or tag moves; "
                        + "run: git recipe components update \(name.value) --rev \(rev.value.shellQuoted)", at: rev.mark)
                return nil
            }
            return ComponentSource(name: name.value, url: url.value, commit: commit, mark: rev.mark)
        }
    }
}
