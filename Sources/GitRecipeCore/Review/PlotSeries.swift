import Foundation

/// The lines a series plot holds: dvclive's TSV (`timestamp`, `step`, then a value column),
/// any table with a header row, a JSON list of records, or a JSON object of number lists.
/// The x of each point is its `step` (or `epoch`, `x`) where there is one, else its row.
/// What a file holds is data from whoever ran the step: it is read, never trusted — at most
/// eight lines of two thousand points each are drawn, and anything else is said, not drawn.
enum PlotSeries {
    /// Lines drawn from one file, at most.
    static let lineLimit = 8
    /// Points per line, at most: longer lines are thinned evenly.
    static let pointLimit = 2000
    /// Columns read as the x axis, in order of preference; never drawn as lines.
    private static let xColumns = ["step", "epoch", "x", "iteration"]
    /// Columns neither x nor drawn.
    private static let skipped: Set<String> = ["timestamp", "time", "date"]

    /// The lines in `data`, a file of `kind`; a reason when there are none.
    static func lines(in data: Data, kind: PlotKind) -> Result<[LineChart.Series], PlotError> {
        let columns: [(name: String, values: [Double?])]
        switch kind {
        case .image: return .failure(PlotError("an image has no series"))
        case .json:
            guard let parsed = try? JSONSerialization.jsonObject(with: data) else { return .failure(PlotError("it is not JSON")) }
            guard let read = table(fromJSON: parsed) else {
                return .failure(PlotError("it is neither a list of records nor an object of number lists"))
            }
            columns = read
        case .table(let separator):
            columns = table(fromText: String(decoding: data, as: UTF8.self), separator: separator)
        }
        let xColumn = xColumns.lazy.compactMap { name in columns.first { $0.name == name } }.first
        let lines = columns.filter { column in
            !xColumns.contains(column.name) && !skipped.contains(column.name) && column.values.contains { $0?.isFinite == true }
        }
        guard !lines.isEmpty else { return .failure(PlotError("it holds no column of numbers")) }
        return .success(
            lines.prefix(lineLimit).map { column in
                let points = column.values.enumerated().compactMap { row, value -> LineChart.Point? in
                    guard let value else { return nil }
                    return LineChart.Point(x: xColumn?.values[row] ?? Double(row), y: value)
                }
                return LineChart.Series(name: column.name, points: thinned(points))
            })
    }

    /// A header row and rows of cells; a cell that is no number is `nil`.
    private static func table(fromText text: String, separator: Character) -> [(name: String, values: [Double?])] {
        var rows = text.split(whereSeparator: \.isNewline).map { $0.split(separator: separator, omittingEmptySubsequences: false) }
        guard !rows.isEmpty else { return [] }
        let header = rows.removeFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        return header.enumerated().map { index, name in
            (name, rows.map { index < $0.count ? Double($0[index].trimmingCharacters(in: .whitespaces)) : nil })
        }
    }

    /// `[{step: 1, loss: 0.5}, …]` or `{loss: [0.5, …], …}` as columns.
    private static func table(fromJSON value: Any) -> [(name: String, values: [Double?])]? {
        if let records = value as? [[String: Any]] {
            let names = records.reduce(into: [String]()) { names, record in
                for key in record.keys.sorted() where !names.contains(key) { names.append(key) }
            }
            return names.map { name in (name, records.map { number($0[name]) }) }
        }
        if let object = value as? [String: Any] {
            let lists = object.compactMap { key, value in (value as? [Any]).map { (key, $0.map(number)) } }
            return lists.isEmpty ? nil : lists.sorted { $0.0 < $1.0 }
        }
        return nil
    }

    /// A JSON number as a double; `nil` for anything else (a bool is not a number here).
    private static func number(_ value: Any?) -> Double? {
        // JSON's true and false come back as NSNumbers of Objective-C type `c` (char).
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        return number.doubleValue
    }

    /// At most `pointLimit` points, evenly spaced, the last one kept.
    private static func thinned(_ points: [LineChart.Point]) -> [LineChart.Point] {
        guard points.count > pointLimit else { return points }
        let stride = Double(points.count - 1) / Double(pointLimit - 1)
        return (0..<pointLimit).map { points[Int((Double($0) * stride).rounded())] }
    }
}

/// Why a plot could not be drawn.
struct PlotError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
