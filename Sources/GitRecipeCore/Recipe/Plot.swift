/// What a step's declared plot file holds, told by its extension: an image shown as it is,
/// or a series of numbers (dvclive's TSV, a JSON list of records) drawn as lines.
public enum PlotKind: Equatable, Sendable {
    /// An image and its media type.
    case image(mediaType: String)
    /// A JSON array of records (or an object of arrays) of numbers.
    case json
    /// A table with a header row: tab- or comma-separated.
    case table(separator: Character)

    /// The kind of `path`, or `nil` when its extension is none of these.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: ".") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "png": self = .image(mediaType: "image/png")
        case "jpg", "jpeg": self = .image(mediaType: "image/jpeg")
        case "gif": self = .image(mediaType: "image/gif")
        case "svg": self = .image(mediaType: "image/svg+xml")
        case "webp": self = .image(mediaType: "image/webp")
        case "json": self = .json
        case "tsv": self = .table(separator: "\t")
        case "csv": self = .table(separator: ",")
        default: return nil
        }
    }

    /// The extensions a plot may have, for messages.
    static let extensions = "png, jpg, gif, svg, webp (images); json, tsv, csv (series)"
}
