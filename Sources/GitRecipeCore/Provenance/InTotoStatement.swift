import Foundation

/// A run as an in-toto Statement v1 with an SLSA provenance v1 predicate: what
/// `export --format in-toto` writes and what `sign` signs. Built from the run's record alone,
/// so every clone builds the same bytes for the same run.
///
/// The subjects are the files the run produced — each output, and each file of a directory
/// output, with its SHA-256 — and the run record itself (`RUN.yaml`, the SHA-256 of its
/// document in the note): a signature over the statement therefore covers every byte of the
/// record, and a record edited after signing no longer matches.
public enum InTotoStatement {
    /// The statement's `_type`.
    static let type = "https://in-toto.io/Statement/v1"
    /// The predicate's type.
    static let predicateType = "https://slsa.dev/provenance/v1"
    /// What a git-recipe run is as an SLSA build; its parameters are described in
    /// docs/provenance.md. The version changes when their meaning does.
    static let buildType = "https://git-recipe.dev/provenance/run/v1"
    /// The media type of the run record subject.
    static let recordMediaType = "application/vnd.git-recipe.run+yaml"

    /// The subject name of a run's own record.
    static func recordName(_ run: String) -> String { "\(run).yaml" }

    /// The statement of `run`, whose manifest is `manifest`.
    public static func of(_ manifest: RunManifest, document: String) -> ManifestValue {
        .map([
            .init("_type", .string(type)),
            .init("subject", .list(subjects(manifest, document: document))),
            .init("predicateType", .string(predicateType)),
            .init(
                "predicate",
                .map([
                    .init("buildDefinition", buildDefinition(manifest)),
                    .init("runDetails", runDetails(manifest)),
                ])),
        ])
    }

    /// The run's record, then every file it produced, by path.
    private static func subjects(_ manifest: RunManifest, document: String) -> [ManifestValue] {
        let record = ManifestValue.map([
            .init("name", .string(recordName(manifest.id))),
            .init("digest", digestSet(ContentDigest.of(Data(document.utf8)).description)),
            .init("mediaType", .string(recordMediaType)),
        ])
        let files = manifest.outputs.byKeyBytes.flatMap { path, output in output.files(at: path) }
        return [record] + files.map { descriptor(name: $0.path, digest: $0.digest) }
    }

    /// What was asked for (recipe, params, seed) and everything it was pinned to.
    private static func buildDefinition(_ manifest: RunManifest) -> ManifestValue {
        var external: [ManifestValue.Entry] = [
            .init("recipe", .string(manifest.recipe)),
            .init("steps", .list(manifest.steps.map { .string($0.name) })),
            .init("params", manifest.section(.params)),
            .init("overrides", manifest.section(.overrides)),
        ]
        if let seed = manifest.seed { external.append(.init("seed", .int(seed))) }
        if let sweep = manifest.sweep { external.append(.init("sweep", .string(sweep))) }
        if let grid = manifest.grid { external.append(.init("grid", .string(grid))) }
        if let original = manifest.reproduces { external.append(.init("reproduces", .string(original))) }
        let pinned: [ManifestValue.Entry] = [
            .init("lock", .string(manifest.lock)),
            .init("executor", ManifestValue(manifest.executor.yaml)),
            .init("host", manifest.section(.host)),
            .init("user", .map([.init("name", .string(manifest.user.name)), .init("email", .string(manifest.user.email))])),
            .init("probes", manifest.section(.probes)),
        ]
        var dependencies: [ManifestValue] = [
            .map([
                .init("name", .string("commit")),
                .init("digest", .map([.init("gitCommit", .string(manifest.commit)), .init("gitTree", .string(manifest.tree))])),
            ])
        ]
        dependencies += manifest.inputs.byKeyBytes.map { descriptor(name: $0.key, digest: $0.value) }
        dependencies += manifest.assets.byKeyBytes.map { descriptor(name: "asset:\($0.key)", digest: $0.value.digest) }
        for (name, source) in manifest.components.byKeyBytes {
            dependencies.append(
                .map([
                    .init("name", .string("component-source:\(name)")),
                    .init("uri", .string("git+\(source.url)")),
                    .init("digest", .map([.init("gitCommit", .string(source.commit))])),
                ]))
            dependencies += source.files.byKeyBytes.map { descriptor(name: "component-source:\(name)/\($0.key)", digest: $0.value) }
        }
        dependencies += (manifest.environment.files ?? [:]).byKeyBytes.map { descriptor(name: $0.key, digest: $0.value) }
        if let image = manifest.environment.image, let at = image.range(of: "@") {
            dependencies.append(
                .map([
                    .init("name", .string("image")),
                    .init("uri", .string("docker://" + image)),
                    .init("digest", digestSet(String(image[at.upperBound...]))),
                ]))
        }
        return .map([
            .init("buildType", .string(buildType)),
            .init("externalParameters", .map(external)),
            .init("internalParameters", .map(pinned)),
            .init("resolvedDependencies", .list(dependencies)),
        ])
    }

    /// Who ran it, when, and the logs it left.
    private static func runDetails(_ manifest: RunManifest) -> ManifestValue {
        let logs = manifest.steps.compactMap { step in step.log.map { descriptor(name: "logs/\(step.name).log", digest: $0) } }
        return .map([
            .init(
                "builder",
                .map([
                    .init("id", .string("https://git-recipe.dev/builder/\(manifest.executor.kind)")),
                    .init("version", .map([.init("git-recipe", .string(manifest.tool.version)), .init("libgit2", .string(manifest.tool.libgit2))])),
                ])),
            .init(
                "metadata",
                .map([
                    .init("invocationId", .string(manifest.id)),
                    .init("startedOn", .string(manifest.started)),
                    .init("finishedOn", .string(manifest.finished)),
                ])),
            .init("byproducts", .list(logs)),
        ])
    }

    /// A resource by name and recorded digest; a directory's name ends in `/`.
    private static func descriptor(name: String, digest: String) -> ManifestValue {
        .map([.init("name", .string(name)), .init("digest", digestSet(digest, directory: name.hasSuffix("/")))])
    }

    /// An in-toto digest set for a recorded digest (`sha256:HEX`). A directory's digest is
    /// git-recipe's own (over its listing), so it gets an algorithm name of its own rather
    /// than claiming to be the SHA-256 of some file.
    private static func digestSet(_ recorded: String, directory: Bool = false) -> ManifestValue {
        guard recorded.hasPrefix("sha256:") else { return .map([.init("unknown", .string(recorded))]) }
        return .map([.init(directory ? "gitRecipeDirSha256" : "sha256", .string(String(recorded.dropFirst(7))))])
    }
}
