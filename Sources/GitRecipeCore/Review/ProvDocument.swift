import Foundation

/// Runs as a W3C PROV-JSON document: each run and each of its steps an activity, each file
/// version an entity (named by its digest and path, so the same bytes at the same path are one
/// entity across the runs of a sweep), the recipe a plan, the user and git-recipe agents;
/// `used`, `wasGeneratedBy`, `wasAssociatedWith`, `wasInformedBy` between them.
struct ProvDocument {
    /// The document.
    let value: ManifestValue

    /// The document of `export`'s runs.
    init(_ export: RunExport) {
        var entities: [String: [ManifestValue.Entry]] = [:]
        var activities: [String: [ManifestValue.Entry]] = [:]
        var agents: [String: [ManifestValue.Entry]] = [:]
        var relations: [String: [(String, [ManifestValue.Entry])]] = [:]
        func relate(_ kind: String, _ entries: [ManifestValue.Entry]) {
            relations[kind, default: []].append(("_:\(kind)\(relations[kind]?.count ?? 0)", entries))
        }
        func file(_ path: String, _ digest: String) -> String {
            let id = "file:\(ContentDigest(digest)?.hex ?? digest)/\(path)"
            entities[id] = [.init("prov:label", .string(path)), .init("gr:digest", .string(digest))]
            return id
        }
        let plan = "recipe:\(export.runs[0].record.recipe)"
        entities[plan] = [
            .init("prov:type", .map([.init("$", .string("prov:Plan")), .init("type", .string("prov:QUALIFIED_NAME"))])),
            .init("prov:label", .string(export.recipeFile?.path ?? "\(Project.directory)/\(export.runs[0].record.recipe).yaml")),
        ]
        for run in export.runs {
            let manifest = run.manifest
            let person = "person:\(manifest.user.email)"
            agents[person] = [
                .init("prov:type", .map([.init("$", .string("prov:Person")), .init("type", .string("prov:QUALIFIED_NAME"))])),
                .init("prov:label", .string(manifest.user.name)),
            ]
            let tool = "gr:git-recipe-\(manifest.tool.version)"
            agents[tool] = [
                .init("prov:type", .map([.init("$", .string("prov:SoftwareAgent")), .init("type", .string("prov:QUALIFIED_NAME"))])),
                .init("prov:label", .string("git-recipe \(manifest.tool.version) on \(manifest.host.name)")),
            ]
            let activity = "run:\(manifest.id)"
            var attributes: [ManifestValue.Entry] = [
                .init("prov:startTime", .string(manifest.started)), .init("prov:endTime", .string(manifest.finished)),
                .init("prov:label", .string("git recipe run \(manifest.recipe)")), .init("gr:status", .string(manifest.status.rawValue)),
                .init("gr:commit", .string(manifest.commit)), .init("gr:lock", .string(manifest.lock)),
            ]
            if let seed = manifest.seed { attributes.append(.init("gr:seed", .int(seed))) }
            for (name, value) in manifest.metrics.byKey { attributes.append(.init("gr:metric.\(name)", .float(value))) }
            activities[activity] = attributes
            relate("wAW", [.init("prov:activity", .string(activity)), .init("prov:agent", .string(person)), .init("prov:plan", .string(plan))])
            for step in manifest.steps where step.skipped == nil {
                let stepActivity = "\(activity)/\(step.name)"
                var stepAttributes: [ManifestValue.Entry] = [.init("prov:label", .string(step.name))]
                if let started = step.started { stepAttributes.append(.init("prov:startTime", .string(started))) }
                if let exit = step.exit { stepAttributes.append(.init("gr:exit", .int(exit))) }
                activities[stepActivity] = stepAttributes
                relate("wIB", [.init("prov:informed", .string(stepActivity)), .init("prov:informant", .string(activity))])
                relate("wAW", [.init("prov:activity", .string(stepActivity)), .init("prov:agent", .string(tool))])
                let declared = run.files[step.name]
                for path in declared?.inputs ?? [] {
                    guard let digest = run.digest(of: path) else { continue }
                    relate("u", [.init("prov:activity", .string(stepActivity)), .init("prov:entity", .string(file(path, digest)))])
                }
                for path in declared?.outputs ?? [] where step.exit == 0 {
                    guard let digest = manifest.outputs[path]?.digest else { continue }
                    relate("wGB", [.init("prov:entity", .string(file(path, digest))), .init("prov:activity", .string(stepActivity))])
                }
            }
            // Without the recipe's steps, the run as a whole used its pinned inputs and made its outputs.
            if run.files.isEmpty {
                for (path, digest) in manifest.inputs.byKeyBytes {
                    relate("u", [.init("prov:activity", .string(activity)), .init("prov:entity", .string(file(path, digest)))])
                }
                for (path, output) in manifest.outputs.byKeyBytes {
                    relate("wGB", [.init("prov:entity", .string(file(path, output.digest))), .init("prov:activity", .string(activity))])
                }
            }
        }
        func section(_ records: [String: [ManifestValue.Entry]]) -> ManifestValue {
            .map(records.byKeyBytes.map { .init($0.key, .map($0.value)) })
        }
        let names = ["u": "used", "wGB": "wasGeneratedBy", "wAW": "wasAssociatedWith", "wIB": "wasInformedBy"]
        value = .map(
            [
                .init(
                    "prefix",
                    .map([
                        .init("gr", .string("https://git-recipe.dev/ns#")), .init("run", .string("urn:git-recipe:run:")),
                        .init("file", .string("urn:git-recipe:file:")), .init("recipe", .string("urn:git-recipe:recipe:")),
                        .init("person", .string("mailto:")),
                    ])),
                .init("entity", section(entities)), .init("activity", section(activities)), .init("agent", section(agents)),
            ]
                + names.byKeyBytes.compactMap { short, name in
                    relations[short].map { .init(name, .map($0.map { .init($0.0, .map($0.1)) })) }
                })
    }
}
