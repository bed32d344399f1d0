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
    /// `nil` for a single run, which says nothing about spread, and for values that are not finite.
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
        guard count > 1 else {
            interval = nil
            return
        }
        let margin = StudentT(degreesOfFreedom: Double(count - 1)).quantile(0.975) * standardDeviation / Double(count).squareRoot()
        // A NaN or infinite value has no interval (and a range of NaNs would trap).
        interval = (mean - margin).isFinite && (mean + margin).isFinite ? (mean - margin)...(mean + margin) : nil
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
}
