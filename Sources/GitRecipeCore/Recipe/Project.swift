import Yams

/// The recipes, components and settings under `.recipes/`, loaded and validated together.
public struct Project: Sendable {
    /// Where recipes live, relative to the repository.
    public static let directory = ".recipes"
    /// Where components live, relative to the repository.
    static let componentsDirectory = ".recipes/components"

    /// `.recipes/config.yaml`, or the defaults.
    public let config: ProjectConfig
    /// The recipes asked for (or all), each validated and resolved, by name.
    public let pipelines: [Pipeline]
    /// Problems that did not stop loading: policies set to `warn`, files that are ignored.
    public let warnings: [Diagnostic]
    /// Every component in `.recipes/components/`, and every one of each pinned source as
    /// `SOURCE/NAME`, by name.
    let components: [String: Component]

    /// Loads the configuration, the named recipes (all when `names` is empty) and the
    /// components; every problem in every file is collected before anything is thrown.
    ///
    /// - Throws: ``ValidationFailure`` listing every error (and warning) when any error was
    ///   found; ``ProjectError`` when there is no project or no such recipe.
    public static func load(from files: any ProjectFiles, recipes names: [String] = []) throws -> Project {
        let available = try recipeNames(in: files)
        guard try !available.isEmpty || !files.list(directory).isEmpty else { throw ProjectError.noProject }
        for name in names where !available.contains(name) {
            throw ProjectError.unknownRecipe(name, available: available)
        }
        var diagnostics: [Diagnostic] = []
        let config = try loadConfig(files, into: &diagnostics)
        var components = try loadComponents(files, into: &diagnostics)
        var unusable = config.brokenSources
        for source in config.sources {
            guard let pinned = try loadComponents(of: source, files, into: &diagnostics) else {
                unusable.insert(source.name)
                continue
            }
            components.merge(pinned) { own, _ in own }
        }
        var pipelines: [Pipeline] = []
        for name in names.isEmpty ? available : names {
            let file = "\(directory)/\(name).yaml"
            let reader = YAMLReader(file: file)
            if let text = try text(of: file, in: files, reader: reader), let node = reader.parse(text),
                let recipe = Recipe.read(node, name: name, reader: reader, files: files, seedPolicy: config.policy.seed)
            {
                pipelines.append(
                    RecipeValidator(recipe: recipe, components: components, unusable: unusable, config: config, reader: reader).pipeline())
                diagnostics += try checkEnvironmentFiles(of: recipe, in: files, config: config, reader: reader)
            }
            diagnostics += reader.diagnostics
        }
        diagnostics += try strayFiles(files)
        diagnostics.sort { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
        guard !diagnostics.contains(where: { $0.severity == .error }) else { throw ValidationFailure(diagnostics: diagnostics) }
        return Project(config: config, pipelines: pipelines, warnings: diagnostics, components: components)
    }

    /// A YAML file's text; a file that is not UTF-8 is a diagnostic of its own, so that the
    /// other files are still judged.
    private static func text(of file: String, in files: any ProjectFiles, reader: YAMLReader) throws -> String? {
        do {
            return try files.read(file)
        } catch let notText as NotText {
            reader.error(notText.message, line: notText.line, column: notText.column)
            return nil
        }
    }

    /// Environment files must exist; requirement files must pin every package.
    private static func checkEnvironmentFiles(
        of recipe: Recipe, in files: any ProjectFiles, config: ProjectConfig, reader: YAMLReader
    ) throws -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for file in recipe.environment.files where RepositoryPath.problem(with: file.value) == nil {
            let text: String
            do {
                guard let read = try files.read(file.value) else {
                    reader.error("environment file '\(file.value)' does not exist", at: file.mark)
                    continue
                }
                text = read
            } catch let notText as NotText {
                diagnostics.append(Diagnostic(.error, notText.message, file: notText.path, line: notText.line, column: notText.column))
                continue
            }
            if RequirementsPolicy.applies(to: file.value) {
                diagnostics += RequirementsPolicy.check(text, file: file.value, level: config.policy.pinnedRequirements)
            }
        }
        return diagnostics
    }

    /// Recipe names: the `.yaml` files in `.recipes/` other than `config.yaml`, sorted.
    static func recipeNames(in files: any ProjectFiles) throws -> [String] {
        try files.list(directory)
            .filter { $0.hasSuffix(".yaml") && $0 != "config.yaml" }
            .map { String($0.dropLast(".yaml".count)) }
            .sorted()
    }

    /// The project settings alone, for commands that need no recipe (`gc`); the defaults
    /// when there is no settings file.
    ///
    /// - Throws: ``ValidationFailure`` when the settings file has errors.
    public static func loadConfig(from files: any ProjectFiles) throws -> ProjectConfig {
        var diagnostics: [Diagnostic] = []
        let config = try loadConfig(files, into: &diagnostics)
        guard !diagnostics.contains(where: { $0.severity == .error }) else { throw ValidationFailure(diagnostics: diagnostics) }
        return config
    }

    /// Reads `.recipes/config.yaml`, or the defaults when there is none.
    private static func loadConfig(_ files: any ProjectFiles, into diagnostics: inout [Diagnostic]) throws -> ProjectConfig {
        let reader = YAMLReader(file: ProjectConfig.file)
        defer { diagnostics += reader.diagnostics }
        guard let text = try text(of: ProjectConfig.file, in: files, reader: reader) else { return ProjectConfig() }
        return reader.parse(text).map { ProjectConfig.read($0, reader: reader) } ?? ProjectConfig()
    }

    /// Reads every component in `.recipes/components/`.
    private static func loadComponents(_ files: any ProjectFiles, into diagnostics: inout [Diagnostic]) throws -> [String: Component] {
        var components: [String: Component] = [:]
        for entry in try files.list(componentsDirectory).sorted() where entry.hasSuffix(".yaml") {
            let name = String(entry.dropLast(".yaml".count))
            let reader = YAMLReader(file: "\(componentsDirectory)/\(entry)")
            if let text = try text(of: reader.file, in: files, reader: reader), let node = reader.parse(text),
                let component = Component.read(node, name: name, reader: reader)
            {
                checkComponent(component, reader)
                components[name] = component
            }
            diagnostics += reader.diagnostics
        }
        return components
    }

    /// Reads every component of a pinned source from its commit as fetched here; a commit
    /// not fetched is an error that names the command fetching it (and gives `nil`). Each
    /// component's files must be regular files of that commit.
    private static func loadComponents(
        of source: ComponentSource, _ files: any ProjectFiles, into diagnostics: inout [Diagnostic]
    ) throws -> [String: Component]? {
        guard let tree = try files.sourceFiles(at: source.commit) else {
            diagnostics.append(Diagnostic(.error, source.notFetched, file: ProjectConfig.file, mark: source.mark))
            return nil
        }
        var components: [String: Component] = [:]
        for entry in try tree.list(componentsDirectory).sorted() where entry.hasSuffix(".yaml") {
            let path = "\(componentsDirectory)/\(entry)"
            let reader = YAMLReader(file: source.display(path))
            if let text = try text(of: path, in: tree, reader: reader), let node = reader.parse(text),
                var component = Component.read(node, name: "\(source.name)/\(entry.dropLast(".yaml".count))", reader: reader)
            {
                checkComponent(component, reader)
                component.source = source
                component.sourceEntries = Array(tree.entries(overlapping: path))
                for file in component.files where RepositoryPath.problem(with: file.value) == nil {
                    let found = tree.entries(overlapping: file.value)
                    if found.isEmpty {
                        reader.error("'\(file.value)' is not in component source '\(source.name)' at \(source.shortCommit)", at: file.mark)
                    } else if let link = found.first(where: { $0.mode == 0o120000 }) {
                        reader.error(
                            "'\(link.path)' is a symbolic link in component source '\(source.name)'; a pinned component's files must be regular files",
                            at: file.mark)
                    }
                    component.sourceEntries += found
                }
                component.sourceEntries = Dictionary(component.sourceEntries.map { ($0.path, $0) }) { first, _ in first }.values
                    .sorted { $0.path.precedesByBytes($1.path) }
                components[component.name] = component
            }
            diagnostics += reader.diagnostics
        }
        return components
    }

    /// A component's own paths and placeholders, checked once however many steps use it.
    private static func checkComponent(_ component: Component, _ reader: YAMLReader) {
        for path in component.files + (component.inputs + component.outputs).compactMap(\.defaultPath) {
            if let problem = RepositoryPath.problem(with: path.value) { reader.error(problem, at: path.mark) }
        }
        guard let run = component.run else { return }
        let template: CommandTemplate
        do {
            template = try CommandTemplate(run.value)
        } catch {
            reader.error(error.description, at: run.mark)
            return
        }
        var known = ["seed", "run.id", "run.dir", "component.dir"]
        known += component.inputs.map { "inputs.\($0.name.value)" } + component.outputs.map { "outputs.\($0.name.value)" }
        known += ParamValue.map(component.params).leaves(prefix: "params").keys
        for name in template.placeholders where !known.contains(name) {
            reader.error(
                "unknown placeholder '{{\(name)}}' in component '\(component.name)'\(suggestion(name, among: known, quoted: { "{{\($0)}}" }))",
                at: run.mark)
        }
    }

    /// Files in `.recipes/` that look meant for git-recipe but are not read.
    private static func strayFiles(_ files: any ProjectFiles) throws -> [Diagnostic] {
        let stray =
            try files.list(directory).filter { $0.hasSuffix(".yml") }.map { "\(directory)/\($0)" }
            + (try files.list(componentsDirectory)).filter { $0.hasSuffix(".yml") }.map { "\(componentsDirectory)/\($0)" }
        return stray.sorted().map { Diagnostic(.warning, "ignored: recipes and components end in .yaml; rename it", file: $0) }
    }
}

/// The project or the recipe asked for does not exist.
enum ProjectError: RecipeError, Equatable {
    case noProject
    case unknownRecipe(String, available: [String])

    /// Exit 2: no such recipe.
    public var exitStatus: ExitStatus { .invalidInput }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .noProject:
            "no recipes here: .recipes/ is missing or empty; run: git recipe init"
        case .unknownRecipe(let name, let available):
            "no recipe '\(name)' (.recipes/\(name).yaml does not exist); recipes: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
        }
    }
}
