import Foundation

/// Runs as a Workflow Run RO-Crate conforming to the Provenance Run Crate profile 0.5: the
/// recipe is the `ComputationalWorkflow` (its params and files its formal parameters, its
/// steps `HowToStep`s, each step's command a `SoftwareApplication`); each run is a
/// `CreateAction` of the workflow, each step it ran a `CreateAction` of the step's tool,
/// tied together by an `OrganizeAction` of git-recipe and a `ControlAction` per step.
///
/// Files are data entities with their SHA-256; the bytes this clone holds are copied into the
/// crate (a sweep's outputs under `RUN/`, as every seed writes the same paths); the others
/// are described without their bytes (`#` ids, with `localPath` saying where the run had them).
struct RunCrate {
    /// The RO-Crate version written: the Workflow Run Crate profiles build on 1.1.
    static let version = "1.1"
    /// The profiles the crate conforms to.
    static let profiles = [
        ("https://w3id.org/ro/wfrun/process/0.5", "Process Run Crate"),
        ("https://w3id.org/ro/wfrun/workflow/0.5", "Workflow Run Crate"),
        ("https://w3id.org/ro/wfrun/provenance/0.5", "Provenance Run Crate"),
        ("https://w3id.org/workflowhub/workflow-ro-crate/1.0", "Workflow RO-Crate"),
    ]

    /// `ro-crate-metadata.json`.
    let metadata: ManifestValue
    /// The files whose bytes the crate holds, by path in the crate.
    let payload: [(path: String, source: RunExport.Source)]

    /// The crate of `export`'s runs.
    init(_ export: RunExport) {
        var graph = Graph()
        var payload: [(String, RunExport.Source)] = []
        let first = export.runs[0].manifest
        let workflow = export.recipeFile?.path ?? "#recipe-\(first.recipe)"
        if let recipe = export.recipeFile { payload.append((recipe.path, .bytes(Data(recipe.text.utf8)))) }
        let several = export.runs.count > 1

        /// The data entity of `path` as run `run` saw it, added once; its id.
        func file(_ path: String, digest: String, output: Bool, of run: RunExport.ExportedRun) -> String {
            let located = output && several ? "\(run.manifest.id)/\(path)" : path
            let source = path.hasSuffix("/") ? nil : export.source(of: path, digest: digest)
            let id = source == nil ? "#" + located : located
            guard !graph.contains(id) else { return id }
            if let source { payload.append((located, source)) }
            var fields: [ManifestValue.Entry] = [
                .init("@type", .string(path.hasSuffix("/") ? "Dataset" : "File")), .init("name", .string(path)),
                .init("exampleOfWork", crateLink("#param-\(path)")),
            ]
            if let hex = ContentDigest(digest)?.hex {
                fields.append(.init(path.hasSuffix("/") ? "identifier" : "sha256", .string(path.hasSuffix("/") ? digest : hex)))
            }
            if let bytes = run.manifest.outputs[path]?.bytes { fields.append(.init("contentSize", .string(String(bytes)))) }
            if source == nil { fields.append(.init("localPath", .string(path))) }
            graph.add(id, fields)
            return id
        }

        // The workflow and its parts.
        var parameters: Set<String> = []
        func parameter(_ name: String, type: String) -> ManifestValue {
            let id = "#param-\(name)"
            if parameters.insert(id).inserted {
                graph.add(
                    id,
                    [
                        .init("@type", .string("FormalParameter")), .init("additionalType", .string(type)), .init("name", .string(name)),
                        .init("conformsTo", crateLink("https://bioschemas.org/profiles/FormalParameter/1.0-RELEASE")),
                    ])
            }
            return crateLink(id)
        }
        let stepNames = first.steps.map(\.name)
        let declared = export.runs[0].files
        let inputs = Set(declared.values.flatMap(\.inputs)).subtracting(declared.values.flatMap(\.outputs)).sorted()
        let outputs = Set(declared.values.flatMap(\.outputs)).sorted()
        var workflowFields: [ManifestValue.Entry] = [
            .init("@type", .list(["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"].map(ManifestValue.string))),
            .init("name", .string("recipe \(first.recipe)")),
            .init("programmingLanguage", crateLink("#git-recipe-language")),
            .init(
                "input",
                .list(
                    first.params.keys.sorted().map { parameter("params.\($0)", type: "PropertyValue") } + inputs.map { parameter($0, type: "File") })),
            .init("output", .list(outputs.map { parameter($0, type: "File") })),
            .init("step", .list(stepNames.map { crateLink("#step-\($0)") })),
            .init("hasPart", .list(stepNames.map { crateLink("#tool-\($0)") })),
        ]
        if export.recipeFile == nil { workflowFields.append(.init("localPath", .string("\(Project.directory)/\(first.recipe).yaml"))) }
        graph.add(workflow, workflowFields)
        graph.add(
            "#git-recipe-language",
            [
                .init("@type", .string("ComputerLanguage")), .init("name", .string("git-recipe recipe")),
                .init("identifier", crateLink("https://git-recipe.dev/recipe/v1")), .init("url", crateLink("https://git-recipe.dev")),
            ])
        for (position, name) in stepNames.enumerated() {
            graph.add(
                "#step-\(name)",
                [
                    .init("@type", .string("HowToStep")), .init("name", .string(name)), .init("position", .string(String(position))),
                    .init("workExample", crateLink("#tool-\(name)")),
                ])
            graph.add(
                "#tool-\(name)",
                [
                    .init("@type", .string("SoftwareApplication")), .init("name", .string(name)),
                    .init("input", .list((declared[name]?.inputs ?? []).map { parameter($0, type: "File") })),
                    .init("output", .list((declared[name]?.outputs ?? []).map { parameter($0, type: "File") })),
                ])
        }
        graph.add(
            "#git-recipe",
            [
                .init("@type", .string("SoftwareApplication")), .init("name", .string("git-recipe")), .init("version", .string(first.tool.version)),
                .init("url", crateLink("https://git-recipe.dev")),
            ])

        // Each run.
        var mentions: [ManifestValue] = []
        for run in export.runs {
            let manifest = run.manifest
            let action = "#run-\(manifest.id)"
            mentions.append(crateLink(action))
            let person = "#person-\(manifest.user.email)"
            graph.add(
                person, [.init("@type", .string("Person")), .init("name", .string(manifest.user.name)), .init("email", .string(manifest.user.email))])
            var values: [ManifestValue] = []
            for (name, value) in manifest.section(.params).leaves where !name.isEmpty {
                let id = "#value-\(manifest.id)-params.\(name)"
                graph.add(
                    id,
                    [
                        .init("@type", .string("PropertyValue")), .init("name", .string("params.\(name)")), .init("value", .string(value.text)),
                        .init("exampleOfWork", parameter("params.\(name)", type: "PropertyValue")),
                    ])
                values.append(crateLink(id))
            }
            let objects = values + manifest.inputs.byKeyBytes.map { crateLink(file($0.key, digest: $0.value, output: false, of: run)) }
            let results = manifest.outputs.byKeyBytes.map { crateLink(file($0.key, digest: $0.value.digest, output: true, of: run)) }
            graph.add(
                action,
                Self.action(
                    name: "git recipe run \(manifest.recipe) (run \(manifest.id)\(manifest.seed.map { ", seed \($0)" } ?? ""))",
                    instrument: workflow, objects: objects, results: results, start: manifest.started, end: manifest.finished,
                    status: manifest.status == .succeeded, agent: person, error: nil))
            var controls: [ManifestValue] = []
            for step in manifest.steps where step.skipped == nil {
                let stepAction = "#run-\(manifest.id)-step-\(step.name)"
                let files = run.files[step.name]
                let stepObjects = (files?.inputs ?? []).compactMap { path in
                    run.digest(of: path).map { crateLink(file(path, digest: $0, output: manifest.outputs[path] != nil, of: run)) }
                }
                let stepResults = (files?.outputs ?? []).compactMap { path in
                    manifest.outputs[path].map { crateLink(file(path, digest: $0.digest, output: true, of: run)) }
                }
                let end = step.finished
                mentions.append(crateLink(stepAction))
                graph.add(
                    stepAction,
                    Self.action(
                        name: "step \(step.name) of run \(manifest.id)", instrument: "#tool-\(step.name)", objects: stepObjects,
                        results: step.exit == 0 ? stepResults : [], start: step.started, end: end, status: step.exit == 0, agent: person,
                        error: step.error))
                let control = "#control-\(manifest.id)-\(step.name)"
                graph.add(
                    control,
                    [
                        .init("@type", .string("ControlAction")), .init("instrument", crateLink("#step-\(step.name)")),
                        .init("object", crateLink(stepAction)),
                    ])
                controls.append(crateLink(control))
            }
            graph.add(
                "#organize-\(manifest.id)",
                [
                    .init("@type", .string("OrganizeAction")), .init("name", .string("git-recipe orchestrating run \(manifest.id)")),
                    .init("instrument", crateLink("#git-recipe")), .init("agent", crateLink(person)), .init("object", .list(controls)),
                    .init("result", crateLink(action)), .init("startTime", .string(manifest.started)), .init("endTime", .string(manifest.finished)),
                ])
        }

        let description =
            "Provenance of \(export.runs.count == 1 ? "run \(first.id)" : "\(export.runs.count) runs of sweep \(first.sweep ?? "?")") "
            + "of recipe \(first.recipe) at commit \(first.commit), exported by git-recipe \(GitRecipeVersion.current)."
        let last = export.runs.map(\.manifest.finished).max() ?? first.finished
        graph.add(
            "ro-crate-metadata.json",
            [
                .init("@type", .string("CreativeWork")), .init("about", crateLink("./")),
                .init("conformsTo", crateLink("https://w3id.org/ro/crate/\(Self.version)")),
            ])
        graph.add(
            "./",
            [
                .init("@type", .string("Dataset")), .init("name", .string("git-recipe run provenance: \(first.recipe)")),
                .init("description", .string(description)), .init("datePublished", .string(last)),
                .init("license", crateLink("https://spdx.org/licenses/CC-BY-4.0")),
                .init("conformsTo", .list(Self.profiles.map { crateLink($0.0) })),
                .init("mainEntity", crateLink(workflow)),
                .init("hasPart", .list(graph.dataEntities.map(crateLink))),
                .init("mentions", .list(mentions)),
            ])
        graph.add(
            "https://spdx.org/licenses/CC-BY-4.0",
            [.init("@type", .string("CreativeWork")), .init("name", .string("Creative Commons Attribution 4.0 International"))])
        for (id, name) in Self.profiles {
            graph.add(
                id,
                [
                    .init("@type", .string("CreativeWork")), .init("name", .string(name)),
                    .init("version", .string(String(id.split(separator: "/").last ?? ""))),
                ])
        }
        metadata = .map([
            .init(
                "@context",
                .list([
                    .string("https://w3id.org/ro/crate/\(Self.version)/context"),
                    .map([.init("sha256", .string("http://schema.org/sha256")), .init("localPath", .string("https://w3id.org/ro/terms#localPath"))]),
                ])),
            .init("@graph", .list(graph.entities.map { .map([.init("@id", .string($0.id))] + $0.fields) })),
        ])
        self.payload = payload
    }

    /// A CreateAction's fields.
    private static func action(
        name: String, instrument: String, objects: [ManifestValue], results: [ManifestValue], start: String?, end: String?, status: Bool,
        agent: String, error: String?
    ) -> [ManifestValue.Entry] {
        var fields: [ManifestValue.Entry] = [
            .init("@type", .string("CreateAction")), .init("name", .string(name)), .init("instrument", crateLink(instrument)),
            .init("object", .list(objects)), .init("result", .list(results)), .init("agent", crateLink(agent)),
            .init("actionStatus", crateLink(status ? "http://schema.org/CompletedActionStatus" : "http://schema.org/FailedActionStatus")),
        ]
        if let start { fields.append(.init("startTime", .string(start))) }
        if let end { fields.append(.init("endTime", .string(end))) }
        if let error { fields.append(.init("error", .string(error))) }
        return fields
    }

    /// The entities of the crate, in the order added, each once.
    private struct Graph {
        /// Each entity's id and fields.
        var entities: [(id: String, fields: [ManifestValue.Entry])] = []
        /// The ids added.
        private var ids: Set<String> = []

        /// Whether `id` was added.
        func contains(_ id: String) -> Bool { ids.contains(id) }

        /// Adds the entity `id`, unless it is there.
        mutating func add(_ id: String, _ fields: [ManifestValue.Entry]) {
            guard ids.insert(id).inserted else { return }
            entities.append((id, fields))
        }

        /// The ids of the files and directories described, the workflow first.
        var dataEntities: [String] {
            entities.filter { entity in
                entity.fields.contains { field in
                    field.key == "@type"
                        && [ManifestValue.string("File"), .string("Dataset")].contains { field.value == $0 || field.value.items.contains($0) }
                }
            }.map(\.id)
        }
    }
}

/// A JSON-LD reference to the entity `id`.
private func crateLink(_ id: String) -> ManifestValue { .map([.init("@id", .string(id))]) }
