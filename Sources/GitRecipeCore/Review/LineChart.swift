import Foundation

/// An SVG line chart: one or more series of points, each point with an optional interval
/// drawn as a band, and a few labels along the x axis. Used for a metric over commits and
/// for the series a run declares as a plot. Values that are not finite are left out.
struct LineChart {
    /// One point: where it goes, its interval, and what hovering over it says.
    struct Point {
        let x: Double
        let y: Double
        var interval: ClosedRange<Double>? = nil
        var note: String? = nil
    }

    /// One line.
    struct Series {
        let name: String
        let points: [Point]
    }

    /// The chart's title.
    let title: String
    /// Its lines.
    let series: [Series]
    /// Labels under the x axis, at their x.
    var ticks: [(x: Double, label: String)] = []

    /// Lines' colours, in order.
    private static let colours = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563", "#ca8a04"]
    /// Points drawn as dots only up to this many per line: beyond it the line says enough,
    /// and a point's `note`, the dot's hover text, is not shown.
    static let dotLimit = 400

    /// The chart as an `<svg>` element.
    func svg() -> String {
        let legendRows = series.count > 1 ? (series.count + 3) / 4 : 0
        let (width, left, right, top, plotHeight) = (720.0, 72.0, 16.0, 32.0, 184.0)
        let height = top + plotHeight + 28 + 16 * Double(legendRows)
        let plotWidth = width - left - right
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let ys = points.flatMap { [$0.y, $0.interval?.lowerBound, $0.interval?.upperBound].compactMap { $0 } }.filter(\.isFinite)
        var (low, high) = (ys.min() ?? 0, ys.max() ?? 1)
        let pad = high > low ? (high - low) * 0.06 : max(abs(high) * 0.05, 0.5)
        (low, high) = (low - pad, high + pad)
        var (first, last) = (points.map(\.x).min() ?? 0, points.map(\.x).max() ?? 1)
        if first == last { (first, last) = (first - 1, last + 1) }
        func x(_ value: Double) -> String { format(left + plotWidth * (value - first) / (last - first)) }
        func offset(of value: Double) -> Double { top + plotHeight * (1 - (value - low) / (high - low)) }
        func y(_ value: Double) -> String { format(offset(of: value)) }

        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "role=\"img\" aria-label=\"\(ReportDocument.escaped(title))\">\n"
            + "<text x=\"\(format(left))\" y=\"18\" font-size=\"14\" font-weight=\"600\" fill=\"#1f2328\">\(ReportDocument.escaped(title))</text>\n"
        for tick in 0...4 {
            let value = low + (high - low) * Double(tick) / 4
            svg +=
                "<line x1=\"\(format(left))\" x2=\"\(format(width - right))\" y1=\"\(y(value))\" y2=\"\(y(value))\" stroke=\"#eaeef2\" />"
                + "<text x=\"\(format(left - 6))\" y=\"\(format(offset(of: value) + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">"
                + "\(SeedStatistics.format(value))</text>\n"
        }
        for tick in ticks where tick.x.isFinite {
            // Labels at the ends stay inside the chart.
            let anchor = tick.x <= first ? "start" : tick.x >= last ? "end" : "middle"
            svg +=
                "<text x=\"\(x(tick.x))\" y=\"\(format(top + plotHeight + 16))\" font-size=\"11\" text-anchor=\"\(anchor)\" fill=\"#57606a\">"
                + "\(ReportDocument.escaped(tick.label))</text>\n"
        }
        for (index, line) in series.enumerated() {
            let colour = Self.colours[index % Self.colours.count]
            let drawn = line.points.filter { $0.x.isFinite && $0.y.isFinite }
            let banded = drawn.filter { $0.interval != nil }
            if !banded.isEmpty {
                let upper = banded.map { "\(x($0.x)),\(y($0.interval!.upperBound))" }
                let lower = banded.reversed().map { "\(x($0.x)),\(y($0.interval!.lowerBound))" }
                svg +=
                    "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(colour)\" fill-opacity=\"0.15\"><title>95% interval</title></polygon>\n"
            }
            if drawn.count > 1 {
                svg +=
                    "<polyline points=\"\(drawn.map { "\(x($0.x)),\(y($0.y))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\">"
                    + "<title>\(ReportDocument.escaped(line.name))</title></polyline>\n"
            }
            if drawn.count <= Self.dotLimit {
                for point in drawn {
                    svg += "<circle cx=\"\(x(point.x))\" cy=\"\(y(point.y))\" r=\"3\" fill=\"\(colour)\">"
                    svg += "<title>\(ReportDocument.escaped(point.note ?? "\(line.name): \(SeedStatistics.format(point.y))"))</title></circle>\n"
                }
            }
        }
        if series.count > 1 {
            for (index, line) in series.enumerated() {
                let legendX = left + 8 + Double(index % 4) * 160
                let legendY = top + plotHeight + 36 + 16 * Double(index / 4)
                svg +=
                    "<rect x=\"\(format(legendX))\" y=\"\(format(legendY - 9))\" width=\"10\" height=\"10\" fill=\"\(Self.colours[index % Self.colours.count])\" />"
                    + "<text x=\"\(format(legendX + 14))\" y=\"\(format(legendY))\" font-size=\"11\" fill=\"#1f2328\">\(ReportDocument.escaped(line.name))</text>\n"
            }
        }
        if points.isEmpty {
            svg +=
                "<text x=\"\(format(width / 2))\" y=\"\(format(top + plotHeight / 2))\" text-anchor=\"middle\" fill=\"#57606a\">no finite values</text>\n"
        }
        return svg
            + "<line x1=\"\(format(left))\" x2=\"\(format(left))\" y1=\"\(format(top))\" y2=\"\(format(top + plotHeight))\" stroke=\"#57606a\" />\n</svg>"
    }

    /// Five labels spread evenly over the x values of `series`, each its number.
    static func evenTicks(_ series: [Series]) -> [(x: Double, label: String)] {
        let xs = series.flatMap(\.points).map(\.x).filter(\.isFinite)
        guard let low = xs.min(), let high = xs.max() else { return [] }
        guard high > low else { return [(low, SeedStatistics.format(low))] }
        return (0...4).map { low + (high - low) * Double($0) / 4 }.map { ($0, SeedStatistics.format($0)) }
    }

    /// A coordinate to one decimal, written by hand: a chart of a long history has tens of
    /// thousands of them, and `String(format:)` costs more than the rest of the chart.
    private func format(_ value: Double) -> String {
        guard value.isFinite else { return "0.0" }
        let tenths = Int((abs(value) * 10).rounded())
        return (value < 0 && tenths > 0 ? "-" : "") + "\(tenths / 10).\(tenths % 10)"
    }
}
