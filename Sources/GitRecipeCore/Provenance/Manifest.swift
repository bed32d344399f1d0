import Foundation

/// One run's provenance document (DESIGN §2), in the field order the spec shows.
struct Manifest {
    static let schema = "git-recipe/run/v1"

    let rendered: String

    init(
        id: String, pipeline: Pipeline, status: RunStatus, preflight: Runner.Preflight, started: Date, finished: Date,
        identity: Identity, seed: Int, settings: RunSettings, sweep: String?, executor: CanonicalYAML, environment: [String: String],
        assets: [String: String], steps: [CanonicalYAML], outputs: [String: MeasuredOutput], metrics: [String: Double],
        extra: [(key: String, value: CanonicalYAML)]
    ) {
        let recipe = pipeline.recipe
        let lock = preflight.lock
        var fields: [(key: String, value: CanonicalYAML)] = [
            ("schema", .string(Self.schema)),
            ("id", .string(id)),
            ("recipe", .string(recipe.name)),
            ("status", .string(status.rawValue)),
            ("commit", .string(preflight.commit.commit.hex)),
            ("tree", .string(preflight.commit.tree.hex)),
            ("lock", .string(lock.digest.description)),
            ("started", .string(RunID.timestamp(started))),
            ("finished", .string(RunID.timestamp(finished))),
            ("user", .ordered([("name", .string(identity.name)), ("email", .string(identity.email))])),
            ("seed", .int(seed)),
            ("params", .map(settings.params.mapValues(CanonicalYAML.init))),
            ("overrides", .map(settings.overrides.mapValues(CanonicalYAML.init))),
            ("executor", executor),
            ("host", HostFacts.collect()),
            ("tool", .ordered([("version", .string(GitRecipeVersion.current)), ("libgit2", .string(GitRecipeVersion.libgit2))])),
            ("environment", .ordered([
                ("probes", .map(lock.probes.mapValues(CanonicalYAML.string))),
                ("files", .map(lock.environmentFiles.mapValues { .string($0.description) })),
            ] + (lock.image.map { [("image", CanonicalYAML.string($0))] } ?? []) + [
                ("vars", .map(RecordedEnvironment.record(environment, recipeVars: recipe.environment.vars).mapValues(CanonicalYAML.string))),
                ("drift", .list(preflight.drift.map { .string($0.description) })),
            ])),
            ("inputs", .map(lock.inputs.mapValues { .string($0.description) })),
            ("assets", .map(lock.assets.reduce(into: [:]) { result, entry in
                result[entry.key] = .ordered([("digest", .string(entry.value.description)), ("from", .string(assets[entry.key] ?? "path"))])
            })),
            ("steps", .list(steps)),
            ("outputs", .map(outputs.mapValues(\.yaml))),
            ("metrics", .map(metrics.mapValues(CanonicalYAML.float))),
        ]
        if let sweep { fields.append(("sweep", .string(sweep))) }
        fields += extra
        rendered = CanonicalYAML.ordered(fields).rendered()
    }
}
