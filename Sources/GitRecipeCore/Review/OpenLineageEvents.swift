import Foundation

/// Runs as OpenLineage run events (spec 2-0-2): for each run a START and a COMPLETE or FAIL
/// (ABORT when cancelled) of the job `RECIPE`, and the same for each step as job
/// `RECIPE.STEP` with the run as its parent; a skipped step is one ABORT. Datasets are the
/// step's files in the namespace `file`, each with its recorded digest as its version, so a
/// lineage server sees which bytes each step read and wrote. Run ids are name-based UUIDs of
/// the run and step, the same on every export.
struct OpenLineageEvents {
    /// The namespace of every job.
    static let namespace = "git-recipe"
    /// The schema every event declares.
    static let schemaURL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"

    /// The events, in time order per run.
    let events: [ManifestValue]

    /// The events of `export`'s runs.
    init(_ export: RunExport) {
        events = export.runs.flatMap(Self.events)
    }

    /// One run's events.
    private static func events(_ run: RunExport.ExportedRun) -> [ManifestValue] {
        let manifest = run.manifest
        let producer = "https://git-recipe.dev/git-recipe/\(manifest.tool.version)"
        func facet(_ schema: String, _ fields: [ManifestValue.Entry]) -> ManifestValue {
            .map([.init("_producer", .string(producer)), .init("_schemaURL", .string("https://openlineage.io/spec/facets/\(schema)"))] + fields)
        }
        func datasets(_ paths: [String], _ kind: String) -> ManifestValue {
            .list(
                paths.compactMap { path in
                    run.digest(of: path).map { digest in
                        .map([
                            .init("namespace", .string("file")), .init("name", .string(path)),
                            .init(
                                "facets",
                                .map([
                                    .init(
                                        "version",
                                        facet(
                                            "1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet",
                                            [.init("datasetVersion", .string(digest))]))
                                ])),
                            .init(kind, .map([])),
                        ])
                    }
                })
        }
        func jobType(_ kind: String) -> ManifestValue {
            .map([
                .init(
                    "jobType",
                    facet(
                        "2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
                        [.init("integration", .string("GIT_RECIPE")), .init("jobType", .string(kind)), .init("processingType", .string("BATCH"))]))
            ])
        }
        func event(
            _ type: String, at time: String, runID: String, job: String, kind: String, facets: [ManifestValue.Entry] = [],
            inputs: [String] = [], outputs: [String] = []
        ) -> ManifestValue {
            .map([
                .init("eventTime", .string(time)), .init("eventType", .string(type)), .init("inputs", datasets(inputs, "inputFacets")),
                .init("job", .map([.init("facets", jobType(kind)), .init("name", .string(job)), .init("namespace", .string(namespace))])),
                .init("outputs", datasets(outputs, "outputFacets")), .init("producer", .string(producer)),
                .init("run", .map([.init("facets", .map(facets)), .init("runId", .string(RunExport.uuid(runID)))])),
                .init("schemaURL", .string(schemaURL)),
            ])
        }
        let parent = ManifestValue.Entry(
            "parent",
            facet(
                "1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet",
                [
                    .init("job", .map([.init("facets", .map([])), .init("name", .string(manifest.recipe)), .init("namespace", .string(namespace))])),
                    .init("run", .map([.init("facets", .map([])), .init("runId", .string(RunExport.uuid(manifest.id)))])),
                ]))
        let ending = ["succeeded": "COMPLETE", "failed": "FAIL"][manifest.status.rawValue] ?? "ABORT"
        var events = [
            event("START", at: manifest.started, runID: manifest.id, job: manifest.recipe, kind: "JOB", inputs: manifest.inputs.byKeyBytes.map(\.key))
        ]
        for step in manifest.steps {
            let job = "\(manifest.recipe).\(step.name)"
            let runID = "\(manifest.id)/\(step.name)"
            guard step.skipped == nil, let started = step.started else {
                events.append(event("ABORT", at: manifest.finished, runID: runID, job: job, kind: "STEP", facets: [parent]))
                continue
            }
            let files = run.files[step.name]
            events.append(event("START", at: started, runID: runID, job: job, kind: "STEP", facets: [parent], inputs: files?.inputs ?? []))
            let end = step.finished
            let failed = step.exit != 0
            var facets = [parent]
            if failed, let error = step.error {
                facets.append(
                    .init(
                        "errorMessage",
                        facet(
                            "1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet",
                            [.init("message", .string(error)), .init("programmingLanguage", .string("shell"))])))
            }
            events.append(
                event(
                    failed ? "FAIL" : "COMPLETE", at: end ?? manifest.finished, runID: runID, job: job, kind: "STEP", facets: facets,
                    outputs: failed ? [] : files?.outputs ?? []))
        }
        events.append(
            event(
                ending, at: manifest.finished, runID: manifest.id, job: manifest.recipe, kind: "JOB", outputs: manifest.outputs.byKeyBytes.map(\.key))
        )
        return events
    }
}
