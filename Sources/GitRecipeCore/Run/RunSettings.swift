import Yams

/// What one invocation of `git recipe run` asks for: parameter overrides and seeds.
public struct RunSettings: Sendable {
    /// The recipe's params with the overrides applied.
    public let params: [String: ParamValue]
    /// Only the overridden params, as recorded in the manifest.
    public let overrides: [String: ParamValue]
    /// One run per seed; more than one makes a sweep.
    public let seeds: [Int]

    /// Applies `-p key=value` assignments (dotted keys reach nested params) to `recipe`'s
    /// params, each value read as YAML and converted to the declared type (an integer may
    /// stand for a number); and picks the seeds: `--seeds`, else `--seed`, else the recipe's.
    public init(recipe: Recipe, assignments: [String], seed: Int?, seeds: String?) throws(RunInputError) {
        var overrides: [(key: String, value: ParamValue)] = []
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw .malformedAssignment(assignment)
            }
            let key = String(assignment[..<equals])
            let text = String(assignment[assignment.index(after: equals)...])
            let declared = try Self.declared(key, in: recipe)
            guard let value = Self.parse(text, as: declared) else {
                throw .wrongType(key, value: text, expected: declared.typeName)
            }
            overrides.append((key, value))
        }
        let chosen: [Int]
        if let seeds {
            chosen = try Self.parseSeeds(seeds)
        } else if let seed = seed ?? recipe.seed?.value {
            chosen = [seed]
        } else {
            throw .noSeed(recipe: recipe.name)
        }
        try self.init(recipe: recipe, overrides: overrides, seeds: chosen)
    }

    /// Applies typed overrides (as a manifest records them) to `recipe`'s params, each
    /// converted to the declared type; a scalar stands for a string param as its text.
    public init(recipe: Recipe, overrides: [String: ParamValue], seeds: [Int]) throws(RunInputError) {
        var typed: [(key: String, value: ParamValue)] = []
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            let declared = try Self.declared(key, in: recipe)
            switch (declared, value) {
            case (.string, .int), (.string, .float), (.string, .bool): typed.append((key, .string(value.description)))
            default:
                guard let converted = value.converted(toTypeOf: declared) else {
                    throw .wrongType(key, value: value.description, expected: declared.typeName)
                }
                typed.append((key, converted))
            }
        }
        try self.init(recipe: recipe, overrides: typed, seeds: seeds)
    }

    /// Applies overrides already typed as their params' types.
    private init(recipe: Recipe, overrides: [(key: String, value: ParamValue)], seeds: [Int]) throws(RunInputError) {
        var params = recipe.params
        for (key, value) in overrides {
            params = Self.setting(value, at: Self.path(key), in: params)
        }
        self.params = params
        self.overrides = Dictionary(overrides) { _, last in last }
        self.seeds = seeds
    }

    /// The default `key` (dotted) has in `recipe`, which gives its type.
    static func declared(_ key: String, in recipe: Recipe) throws(RunInputError) -> ParamValue {
        guard let declared = value(at: path(key), in: recipe.params) else {
            let known = ParamValue.map(recipe.params).leaves(prefix: "").keys.map { String($0.dropFirst()) }.sorted()
            throw .unknownParam(key, recipe: recipe.name, known: known)
        }
        return declared
    }

    /// A dotted key's path of names.
    private static func path(_ key: String) -> [String] {
        key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// The param at `path`, if there is one.
    private static func value(at path: [String], in params: [String: ParamValue]) -> ParamValue? {
        guard let first = path.first, let value = params[first] else { return nil }
        guard path.count > 1 else { return value }
        guard case .map(let inner) = value else { return nil }
        return Self.value(at: Array(path.dropFirst()), in: inner)
    }

    /// `params` with `value` set at `path`.
    private static func setting(_ value: ParamValue, at path: [String], in params: [String: ParamValue]) -> [String: ParamValue] {
        var params = params
        if path.count == 1 {
            params[path[0]] = value
        } else if case .map(let inner) = params[path[0]] {
            params[path[0]] = .map(setting(value, at: Array(path.dropFirst()), in: inner))
        }
        return params
    }

    /// `text` as the type of `declared`: a string param takes the text as it is.
    static func parse(_ text: String, as declared: ParamValue) -> ParamValue? {
        if case .string = declared { return .string(text) }
        let reader = YAMLReader(file: "-p")
        guard let node = try? Yams.compose(yaml: text), let value = reader.param(node, "value") else { return nil }
        return value.converted(toTypeOf: declared)
    }

    /// `0..4` (inclusive) or `1,7,42`.
    static func parseSeeds(_ text: String) throws(RunInputError) -> [Int] {
        let parts = text.components(separatedBy: "..")
        if parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]), low <= high, high - low < 10_000 {
            return Array(low...high)
        }
        let items = text.split(separator: ",")
        let list = items.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.count == items.count else { throw .malformedSeeds(text) }
        return list
    }
}

/// An argument to `run` that cannot be used.
public enum RunInputError: RecipeError, Equatable {
    case malformedAssignment(String)
    case unknownParam(String, recipe: String, known: [String])
    case wrongType(String, value: String, expected: String)
    case malformedSeeds(String)
    case noSeed(recipe: String)
    case unknownExecutor(String, source: String)
    case malformedGrid(String)
    case gridAndOverride(String)
    case gridTooLarge(points: Int, runs: Int)

    /// Exit 2: an argument is invalid.
    public var exitStatus: ExitStatus { .invalidInput }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .malformedAssignment(let text):
            "'-p \(text)' is not an assignment; write -p NAME=VALUE, like -p lr=0.1"
        case .unknownParam(let key, let recipe, let known):
            "recipe '\(recipe)' has no param '\(key)'\(suggestion(key, among: known)); params: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
        case .wrongType(let key, let value, let expected):
            "param '\(key)' is \(expected), and '\(value)' is not"
        case .malformedSeeds(let text):
            "--seeds '\(text)' is neither a range like 0..4 nor a list like 1,7,42"
        case .noSeed(let recipe):
            "recipe '\(recipe)' has no seed; pass --seed N, or add 'seed:' to the recipe"
        case .unknownExecutor(let name, let source):
            "unknown executor '\(name)' (from \(source)); executors: local, slurm"
        case .malformedGrid(let text):
            "'--grid \(text)' is not a param and its values; write --grid NAME=V1,V2, like --grid lr=0.01,0.1"
        case .gridAndOverride(let key):
            "param '\(key)' is both on the grid and set with -p; give its values with --grid \(key)=… only"
        case .gridTooLarge(let points, let runs):
            "the grid has \(points) points, \(runs) runs with the seeds; that many runs need --yes (or a smaller grid)"
        }
    }
}
