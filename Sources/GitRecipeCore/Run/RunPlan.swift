import Foundation

/// One run of a recipe with one seed: every step with the command it runs, in order. The
/// only place placeholders are substituted (docs/reference.md): values are shell-quoted, so no
/// parameter can become code.
public struct RunPlan: Sendable {
    /// A step and its command after substitution.
    public struct Step: Sendable {
        /// The step as resolved from the recipe and its components.
        public let step: ResolvedStep
        /// Its command with every placeholder substituted and quoted.
        public let command: String
        /// The command as the step cache's key counts it: `{{component.dir}}` of a pinned
        /// component as its source and commit, not the run's own directory.
        let keyCommand: String
        /// The step's name.
        public var name: String { step.name }
    }

    /// The run's id (`{{run.id}}`).
    public let id: String
    /// The seed (`{{seed}}`).
    public let seed: Int
    /// The params and overrides it runs with.
    public let settings: RunSettings
    /// Where the run keeps its logs and params file (`{{run.dir}}`).
    public let directory: String
    /// Where each asset is on this machine, and whether it came from its `url` (the asset
    /// store) or its `path`, by name.
    let assets: [String: (path: String, from: String)]
    /// Every step in order.
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
            let command = try step.command.render { values[$0] }
            guard let pinned = step.pinned else { return Step(step: step, command: command, keyCommand: command) }
            var keyValues = values
            keyValues["component.dir"] = pinned.keyDirectory
            return Step(step: step, command: command, keyCommand: try step.command.render { keyValues[$0] })
        }
    }

    /// The file a step's output goes to.
    func logFile(of step: ResolvedStep) -> String { "\(directory)/\(step.name).log" }

    /// A new, empty log for `step`, open for writing.
    func createLog(of step: ResolvedStep) throws -> FileHandle {
        let path = logFile(of: step)
        guard FileManager.default.createFile(atPath: path, contents: nil), let log = FileHandle(forWritingAtPath: path) else {
            throw FileWriteError(path: path, reason: "cannot create it")
        }
        return log
    }

    /// The params file steps read through `RECIPE_PARAMS`.
    var paramsFile: String { "\(directory)/params.yaml" }
}
