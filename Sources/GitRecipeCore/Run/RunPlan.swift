import Foundation

/// One run of a recipe with one seed: every step with the command it runs, in order. The
/// only place placeholders are substituted (DESIGN §2): values are shell-quoted, so no
/// parameter can become code.
public struct RunPlan: Sendable {
    /// A step and its command after substitution.
    public struct Step: Sendable {
        public let step: ResolvedStep
        public let command: String
        public var name: String { step.name }
    }

    public let id: String
    public let seed: Int
    public let settings: RunSettings
    /// Where the run keeps its logs and params file (`{{run.dir}}`).
    public let directory: String
    /// Where each asset is on this machine, and whether it came from its `url` (the asset
    /// store) or its `path`, by name.
    public let assets: [String: (path: String, from: String)]
    public let steps: [Step]

    /// Renders every step of `pipeline` for this run.
    public init(pipeline: Pipeline, settings: RunSettings, seed: Int, id: String, directory: String, assets: [String: (path: String, from: String)])
        throws
    {
        self.id = id
        self.seed = seed
        self.settings = settings
        self.directory = directory
        self.assets = assets
        steps = try pipeline.steps.map { step in
            let values = pipeline.placeholderValues(
                for: step, seed: seed, runID: id, runDirectory: directory, assets: assets.mapValues(\.path), params: settings.params)
            return Step(step: step, command: try step.command.render { values[$0] })
        }
    }

    /// The file a step's output goes to.
    func logFile(of step: ResolvedStep) -> String { "\(directory)/\(step.name).log" }

    /// The params file steps read through `RECIPE_PARAMS`.
    var paramsFile: String { "\(directory)/params.yaml" }
}
