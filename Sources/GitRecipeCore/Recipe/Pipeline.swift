/// A step after its component, if any, is applied: what the lock, the planner and the
/// executors work from.
public struct ResolvedStep: Sendable {
    /// The step's name.
    public let name: String
    /// Steps this one waits for: its `needs` and every step that writes one of its inputs.
    var dependencies: [String]
    /// Its command, placeholders unsubstituted.
    public let command: CommandTemplate
    /// Inputs not produced by another step are pinned in the lock; the rest are DAG edges.
    public let inputs: [String]
    /// Everything the step writes, metrics files included.
    public let outputs: [String]
    /// The files it writes metrics to.
    public let metrics: [String]
    /// The outputs (or files under directory outputs) it declares as plots.
    public let plots: [String]
    /// What it asks a scheduler for.
    let resources: Resources?
    /// Where its command runs: on the host, in an image, or sandboxed.
    public let isolation: StepIsolation
    /// The component the step uses, if any.
    public let component: String?
    /// For a component step, its placeholders' values: `inputs.X`, `outputs.X`, `params.X`.
    /// `nil` for a recipe's own step, whose placeholders are the recipe's params and assets.
    let bindings: [String: String]?
    /// The data contracts of its inputs and outputs, by path.
    var contracts: [String: DataContract] = [:]
    /// For a step whose component comes from a pinned source: that source and the files of
    /// its commit the component needs.
    public var pinned: PinnedComponent?
}

/// The files of a pinned source's commit that a step's component needs — its own file and
/// every file its `files` name — which the lock pins and a run writes into its directory.
public struct PinnedComponent: Sendable {
    /// The source and its commit.
    public let source: ComponentSource
    /// The files, with their blobs in the source repository, sorted by path.
    public let entries: [IndexEntry]

    /// Where a run keeps the files (`{{component.dir}}`): under its own directory, never in
    /// the work tree.
    public func directory(inRun runDirectory: String) -> String { "\(runDirectory)/components/\(source.name)" }

    /// What `{{component.dir}}` counts as in a step's cache key: the source and commit, the
    /// same in every run and every clone (the files' digests are in the key on their own).
    var keyDirectory: String { "<component source \(source.name)@\(source.commit)>" }
}

/// A validated recipe with its steps resolved and in an order that respects every dependency.
public struct Pipeline: Sendable {
    /// The recipe the steps come from.
    public let recipe: Recipe
    /// Steps in execution order: dependencies first, otherwise the order the file lists them.
    public let steps: [ResolvedStep]

    /// The values of every placeholder `step`'s command may use (docs/reference.md); a name missing
    /// here is an unknown placeholder.
    func placeholderValues(
        for step: ResolvedStep, seed: Int, runID: String, runDirectory: String, assets: [String: String],
        params: [String: ParamValue]? = nil
    ) -> [String: String] {
        var values = ["seed": String(seed), "run.id": runID, "run.dir": runDirectory]
        if let bindings = step.bindings {
            values.merge(bindings) { _, binding in binding }
            values["component.dir"] = step.pinned?.directory(inRun: runDirectory) ?? "."
        } else {
            for (name, value) in ParamValue.map(params ?? recipe.params).leaves(prefix: "params") {
                values[name] = value.description
            }
            for (name, path) in assets {
                values["assets.\(name)"] = path
            }
        }
        return values
    }
}
