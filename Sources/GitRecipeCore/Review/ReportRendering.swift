import Foundation

extension ReportDocument {
    /// GitHub-flavoured Markdown, for a pull request or a lab notebook. Charts are left to
    /// the HTML form; their numbers are in the tables.
    public func markdown() -> String {
        var text = "# \(title)\n\n\(evidence)\n"
        for section in sections {
            text += "\n## \(section.title)\n"
            for block in section.blocks {
                switch block {
                case .paragraph(let paragraph):
                    text += "\n\(paragraph)\n"
                case .table(let header, let rows):
                    text += "\n| " + header.map(Self.cell).joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: header.count) + "\n"
                    text += rows.map { "| " + $0.map(Self.cell).joined(separator: " | ") + " |\n" }.joined()
                case .code(let code):
                    text += "\n```sh\n\(code)\n```\n"
                case .checklist(let checks):
                    text += "\n" + checks.map { "- \($0.mark.symbol) **\($0.item)** — \($0.detail)\n" }.joined()
                case .chart:
                    continue
                }
            }
        }
        return text
    }

    /// Text safe in a Markdown table cell.
    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// One self-contained page (inline CSS and SVG, no scripts, nothing fetched), written as
    /// well-formed XHTML so that any XML parser reads it.
    public func html() -> String {
        var body = "<h1>\(Self.inline(title))</h1>\n<p class=\"evidence\">\(Self.inline(evidence))</p>\n"
        for section in sections {
            body += "<section>\n<h2>\(Self.inline(section.title))</h2>\n"
            for block in section.blocks {
                switch block {
                case .paragraph(let paragraph):
                    body += "<p>\(Self.inline(paragraph))</p>\n"
                case .table(let header, let rows):
                    body += "<table>\n"
                    if header.contains(where: { !$0.isEmpty }) {
                        body += "<thead><tr>" + header.map { "<th>\(Self.inline($0))</th>" }.joined() + "</tr></thead>\n"
                    }
                    body +=
                        "<tbody>\n" + rows.map { "<tr>" + $0.map { "<td>\(Self.inline($0))</td>" }.joined() + "</tr>\n" }.joined()
                        + "</tbody>\n</table>\n"
                case .code(let code):
                    body += "<pre><code>\(Self.escaped(code))</code></pre>\n"
                case .checklist(let checks):
                    body +=
                        "<ul class=\"checklist\">\n"
                        + checks.map { check in
                            "<li class=\"\(check.mark.rawValue)\"><span class=\"mark\">\(check.mark.symbol)</span> <strong>\(Self.escaped(check.item))</strong> — \(Self.inline(check.detail))</li>\n"
                        }.joined() + "</ul>\n"
                case .chart(let chart):
                    body += "<figure>\n\(chart.svg())\n</figure>\n"
                }
            }
            body += "</section>\n"
        }
        return Self.page(title: title.replacingOccurrences(of: "`", with: ""), body: body)
    }

    /// A whole self-contained page around `body`: the report's stylesheet, then `style`
    /// (what a page adds to it). The title is plain text, escaped here.
    static func page(title: String, body: String, style extra: String = "") -> String {
        """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
        <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>\(escaped(Escaping.terminal(title)))</title>
        <style>\(style)\(extra)</style>
        </head>
        <body>
        <main>
        \(body)</main>
        </body>
        </html>

        """
    }

    /// The HTML report's stylesheet.
    private static let style = """
        body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff; margin: 0; }
        main { max-width: 980px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 24px; border-bottom: 1px solid #d0d7de; padding-bottom: 8px; }
        h2 { font-size: 19px; margin-top: 32px; border-bottom: 1px solid #eaeef2; padding-bottom: 4px; }
        code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f8fa; border-radius: 4px; }
        code { padding: 1px 4px; word-break: break-all; }
        pre { padding: 12px; overflow-x: auto; }
        pre code { padding: 0; background: none; }
        table { border-collapse: collapse; margin: 12px 0; display: block; overflow-x: auto; }
        th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: top; }
        th { background: #f6f8fa; }
        .evidence { font-size: 16px; padding: 10px 14px; background: #f6f8fa; border-left: 4px solid #2563eb; }
        .checklist { list-style: none; padding-left: 0; }
        .checklist li { margin: 6px 0; }
        figure { margin: 16px 0; }
        svg { max-width: 100%; height: auto; font-family: system-ui, sans-serif; }
        """

    /// `&`, `<`, `>` and `"` as entities, in one pass over the bytes (a dashboard escapes
    /// hundreds of thousands of cells).
    static func escaped(_ text: String) -> String {
        let special: (UInt8) -> Bool = { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }
        guard text.utf8.contains(where: special) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case 0x26: bytes += Array("&amp;".utf8)
            case 0x3C: bytes += Array("&lt;".utf8)
            case 0x3E: bytes += Array("&gt;".utf8)
            case 0x22: bytes += Array("&quot;".utf8)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Escaped text with Markdown's `code`, **strong** and a wholly _emphasised_ text as HTML.
    static func inline(_ text: String) -> String {
        if text.count > 2, text.hasPrefix("_"), text.hasSuffix("_") { return "<em>\(inline(String(text.dropFirst().dropLast())))</em>" }
        var html = ""
        for (index, part) in text.components(separatedBy: "`").enumerated() {
            if index % 2 == 1 {
                html += "<code>\(escaped(part))</code>"
            } else {
                html += escaped(part).components(separatedBy: "**").enumerated()
                    .map { $0.offset % 2 == 1 ? "<strong>\($0.element)</strong>" : $0.element }.joined()
            }
        }
        return html
    }
}

extension ReportDocument.MetricChart {
    /// Each group's values per seed as points, its mean as a line and its 95% interval as a band.
    func svg() -> String {
        let width = 560.0
        let height = 240.0
        let left = 72.0
        let right = 16.0
        let top = 32.0
        let bottom = 40.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let colours = groups.count > 1 ? ["#8a8f98", "#2563eb"] : ["#2563eb"]
        let bounds = groups.flatMap { group in
            group.values.map(\.value) + [group.statistics.interval?.lowerBound, group.statistics.interval?.upperBound].compactMap { $0 }
        }
        .filter(\.isFinite)
        var low = bounds.min() ?? 0
        var high = bounds.max() ?? 1
        let pad = high > low ? (high - low) * 0.08 : max(abs(high) * 0.05, 0.5)
        low -= pad
        high += pad
        func y(_ value: Double) -> Double { top + plotHeight * (1 - (value - low) / (high - low)) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }

        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "role=\"img\" aria-label=\"\(ReportDocument.escaped(metric)) per seed\">\n"
        svg +=
            "<text x=\"\(number(left))\" y=\"18\" font-size=\"14\" font-weight=\"600\" fill=\"#1f2328\">\(ReportDocument.escaped(metric)) per seed: mean and 95% interval</text>\n"
        for tick in 0...4 {
            let value = low + (high - low) * Double(tick) / 4
            svg +=
                "<line x1=\"\(number(left))\" x2=\"\(number(width - right))\" y1=\"\(number(y(value)))\" y2=\"\(number(y(value)))\" stroke=\"#eaeef2\" />\n"
            svg +=
                "<text x=\"\(number(left - 6))\" y=\"\(number(y(value) + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">\(SeedStatistics.format(value))</text>\n"
        }
        let band = plotWidth / Double(max(groups.count, 1))
        for (index, group) in groups.enumerated() {
            let colour = colours[index % colours.count]
            let start = left + band * Double(index)
            let inset = band * 0.08
            if let interval = group.statistics.interval {
                svg +=
                    "<rect x=\"\(number(start + inset))\" y=\"\(number(y(interval.upperBound)))\" width=\"\(number(band - 2 * inset))\" "
                    + "height=\"\(number(max(y(interval.lowerBound) - y(interval.upperBound), 1)))\" fill=\"\(colour)\" fill-opacity=\"0.15\">"
                    + "<title>95% interval [\(SeedStatistics.format(interval.lowerBound)), \(SeedStatistics.format(interval.upperBound))]</title></rect>\n"
            }
            svg +=
                "<line x1=\"\(number(start + inset))\" x2=\"\(number(start + band - inset))\" y1=\"\(number(y(group.statistics.mean)))\" "
                + "y2=\"\(number(y(group.statistics.mean)))\" stroke=\"\(colour)\" stroke-width=\"2\"><title>mean \(SeedStatistics.format(group.statistics.mean))</title></line>\n"
            for (position, point) in group.values.enumerated() where point.value.isFinite {
                let x = start + band * Double(position + 1) / Double(group.values.count + 1)
                svg +=
                    "<circle cx=\"\(number(x))\" cy=\"\(number(y(point.value)))\" r=\"4.5\" fill=\"\(colour)\">"
                    + "<title>seed \(point.seed.map(String.init) ?? "?"): \(SeedStatistics.format(point.value))</title></circle>\n"
            }
            svg +=
                "<text x=\"\(number(start + band / 2))\" y=\"\(number(height - 14))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1f2328\">"
                + "\(ReportDocument.escaped(group.label)) (n=\(group.statistics.count), mean \(SeedStatistics.format(group.statistics.mean)))</text>\n"
        }
        svg +=
            "<line x1=\"\(number(left))\" x2=\"\(number(left))\" y1=\"\(number(top))\" y2=\"\(number(top + plotHeight))\" stroke=\"#57606a\" />\n</svg>"
        return svg
    }
}
