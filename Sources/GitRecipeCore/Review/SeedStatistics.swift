import Foundation

/// One metric over the runs of a sweep: how much it moves from seed to seed.
public struct SeedStatistics: Equatable, Sendable {
    /// How many runs.
    public let count: Int
    /// The mean over the runs.
    public let mean: Double
    /// Sample standard deviation (n − 1); 0 for a single run.
    let standardDeviation: Double
    /// The smallest value.
    let minimum: Double
    /// The largest value.
    let maximum: Double
    /// The 95% confidence interval of the mean (Student t, n − 1 degrees of freedom);
    /// `nil` for a single run, which says nothing about spread.
    let interval: ClosedRange<Double>?

    /// The statistics of `values`; `nil` for none.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        count = values.count
        let mean = values.reduce(0, +) / Double(count)
        self.mean = mean
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        standardDeviation = count > 1 ? (squares / Double(count - 1)).squareRoot() : 0
        minimum = values.reduce(values[0], Swift.min)
        maximum = values.reduce(values[0], Swift.max)
        if count > 1 {
            let margin = Self.tQuantile975(degreesOfFreedom: count - 1) * standardDeviation / Double(count).squareRoot()
            interval = (mean - margin)...(mean + margin)
        } else {
            interval = nil
        }
    }

    /// Statistics per metric over `runs`, for the metrics every run reported.
    public static func of(_ runs: [RunRecord]) -> [(metric: String, statistics: SeedStatistics)] {
        guard let first = runs.first else { return [] }
        let names = runs.dropFirst().reduce(Set(first.metrics.keys)) { $0.intersection($1.metrics.keys) }
        return names.sorted().compactMap { name in SeedStatistics(runs.compactMap { $0.metrics[name] }).map { (name, $0) } }
    }

    /// `0.973 ± 0.004`, or the value alone for a single run.
    public var summary: String {
        count > 1 ? "\(Self.format(mean)) ± \(Self.format(standardDeviation))" : Self.format(mean)
    }

    /// A number for a table: five significant digits (four decimals at least), the
    /// shortest text that reads back as that rounded value.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        let magnitude = abs(value)
        let decimals = magnitude >= 1 ? 4 : 4 - Int(log10(magnitude).rounded(.down))
        let scale = pow(10, Double(min(decimals, 15)))
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(rounded)
    }

    /// The 0.975 quantile of Student's t distribution: exact table to 30 degrees of freedom,
    /// then the Cornish–Fisher expansion around the normal quantile (error below 1e-4).
    static func tQuantile975(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [
            12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
            2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
            2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
        ]
        if df >= 1 && df <= table.count { return table[df - 1] }
        let z = 1.959964
        let n = Double(df)
        let g1 = (pow(z, 3) + z) / 4
        let g2 = (5 * pow(z, 5) + 16 * pow(z, 3) + 3 * z) / 96
        let g3 = (3 * pow(z, 7) + 19 * pow(z, 5) + 17 * pow(z, 3) - 15 * z) / 384
        return z + g1 / n + g2 / (n * n) + g3 / (n * n * n)
    }
}
