/// The points of a grid: every combination of the values `--grid NAME=V1,V2`
/// and the recipe's `grid:` give each param, each point run on every seed as a sweep of its
/// own. `--grid` for a param replaces the recipe's values for it; `-p` sets params off the
/// grid, for every point.
public struct RunGrid: Sendable {
    /// One point: its values on the grid, and the settings its runs use.
    public struct Point: Sendable {
        /// The grid's params at this point, in grid order.
        public let values: [(key: String, value: ParamValue)]
        /// The point's params with `-p` and the point's values applied, and the seeds.
        public let settings: RunSettings

        /// A point at `values` with `settings`; no values for a run that is not a grid.
        public init(values: [(key: String, value: ParamValue)], settings: RunSettings) {
            self.values = values
            self.settings = settings
        }

        /// `lr=0.1 batch=32`.
        public var label: String { values.map { "\($0.key)=\($0.value.description)" }.joined(separator: " ") }
    }

    /// Runs beyond this many need `--yes`: a mistyped range should not queue a week of work.
    public static let confirmationThreshold = 1000

    /// Every point, the first param varying slowest.
    public let points: [Point]

    /// The grid of `recipe` with the `--grid` arguments `axes`, on the params and seeds of
    /// `base`; `nil` when neither the recipe nor `axes` ask for one. Refuses (exit 2) an axis
    /// that names no param, a value not of its param's type, a param both on the grid and
    /// set with `-p`, and more than `confirmationThreshold` runs unless `confirmed`.
    public init?(recipe: Recipe, axes: [String], base: RunSettings, confirmed: Bool) throws(RunInputError) {
        var grid = recipe.grid
        for axis in axes {
            guard let equals = axis.firstIndex(of: "="), equals != axis.startIndex, axis.index(after: equals) != axis.endIndex else {
                throw .malformedGrid(axis)
            }
            let key = String(axis[..<equals])
            let declared = try RunSettings.declared(key, in: recipe)
            var values: [ParamValue] = []
            for text in axis[axis.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false) {
                guard let value = RunSettings.parse(String(text), as: declared) else {
                    throw .wrongType(key, value: String(text), expected: declared.typeName)
                }
                values.append(value)
            }
            grid.removeAll { $0.key == key }
            grid.append((key, values))
        }
        guard !grid.isEmpty else { return nil }
        if let overridden = grid.first(where: { base.overrides[$0.key] != nil }) { throw .gridAndOverride(overridden.key) }
        let count = grid.reduce(1) { $0 * $1.values.count }
        if count * base.seeds.count > Self.confirmationThreshold, !confirmed {
            throw .gridTooLarge(points: count, runs: count * base.seeds.count)
        }
        var combinations: [[(key: String, value: ParamValue)]] = [[]]
        for (key, values) in grid {
            combinations = combinations.flatMap { prefix in values.map { prefix + [(key, $0)] } }
        }
        points = try combinations.map { values throws(RunInputError) in
            let overrides = base.overrides.merging(values.map { ($0.key, $0.value) }) { _, point in point }
            return Point(values: values, settings: try RunSettings(recipe: recipe, overrides: overrides, seeds: base.seeds))
        }
    }
}
