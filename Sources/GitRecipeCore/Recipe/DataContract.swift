import Yams

/// What a data file a step reads or writes must look like, checked at run
/// time: an input before the step runs, an output once the step has written it. A step
/// declares them by path: `contracts: {data/train.csv: {format: csv, columns: {id: int}}}`.
public enum DataContract: Sendable, Equatable {
    /// `csv` or `tsv`: a header row holding at least these columns, every value of its type.
    case table(separator: UInt8, columns: [Column])
    /// `json` or `yaml`: a document that satisfies a JSON Schema subset.
    case document(yaml: Bool, schema: Schema)
    /// `npy`: a NumPy array of this dtype (`<f4`, `float32`, …) and shape (`nil`: any length).
    case array(dtype: String?, shape: [Int?]?)
    /// `dir`: a directory holding a file that matches each of these globs.
    case directory(contains: [String])

    /// A column of a table and the type of its values.
    public struct Column: Sendable, Equatable {
        /// The header's name for it.
        public let name: String
        /// `int`, `float`, `string` or `bool`.
        public let type: String
    }

    /// The JSON Schema keywords a document contract may use: type, properties, required,
    /// items, enum, minimum, maximum. Immutable; a class because it nests.
    public final class Schema: Sendable, Equatable {
        /// `object`, `array`, `string`, `number`, `integer`, `boolean` or `null`.
        let type: String?
        /// The rules of named members of an object, in file order.
        let properties: [(name: String, schema: Schema)]
        /// Members an object must have.
        let required: [String]
        /// The rule every element of an array follows.
        let items: Schema?
        /// The values allowed, as text.
        let choices: [String]?
        /// Bounds of a number.
        let minimum: Double?, maximum: Double?

        /// A schema of these rules.
        init(
            type: String? = nil, properties: [(name: String, schema: Schema)] = [], required: [String] = [], items: Schema? = nil,
            choices: [String]? = nil, minimum: Double? = nil, maximum: Double? = nil
        ) {
            self.type = type
            self.properties = properties
            self.required = required
            self.items = items
            self.choices = choices
            self.minimum = minimum
            self.maximum = maximum
        }

        /// The same rules.
        public static func == (lhs: Schema, rhs: Schema) -> Bool {
            lhs.type == rhs.type && lhs.properties.map(\.name) == rhs.properties.map(\.name)
                && zip(lhs.properties, rhs.properties).allSatisfy { $0.schema == $1.schema } && lhs.required == rhs.required
                && lhs.items == rhs.items && lhs.choices == rhs.choices && lhs.minimum == rhs.minimum && lhs.maximum == rhs.maximum
        }
    }

    /// Every key a contract may hold, whatever its format.
    static let keys = ["format", "columns", "schema", "dtype", "shape", "contains"]
    /// The types a column may declare.
    static let columnTypes = ["int", "float", "string", "bool"]
    /// The JSON Schema types a document rule may name.
    static let schemaTypes = ["object", "array", "string", "number", "integer", "boolean", "null"]
}

extension DataContract {
    /// Reads one contract, `{format: F, …}`, reporting every problem to `reader`; the keys
    /// `besides` belong to the mapping it sits in (a component port's `kind`, `default`).
    static func read(_ node: Node, of what: String, reader: YAMLReader, besides: [String] = []) -> DataContract? {
        guard let format = node["format"] else {
            reader.error("\(what) needs 'format': csv, tsv, json, yaml, npy or dir", at: node)
            return nil
        }
        guard let kind = reader.choice(format, "format of \(what)", among: ["csv", "tsv", "json", "yaml", "npy", "dir"]) else { return nil }
        let allowed: [String] =
            switch kind {
            case "csv", "tsv": ["format", "columns"]
            case "json", "yaml": ["format", "schema"]
            case "npy": ["format", "dtype", "shape"]
            default: ["format", "contains"]
            }
        guard let fields = reader.fields(node, of: what, allowed: allowed + besides) else { return nil }
        switch kind {
        case "csv", "tsv":
            var columns: [Column] = []
            for (name, type) in fields["columns"].flatMap({ reader.mapping($0, of: "columns of \(what)") }) ?? [] {
                guard let type = reader.choice(type, "type of column '\(name.value)'", among: columnTypes) else { continue }
                columns.append(Column(name: name.value, type: type))
            }
            return .table(separator: kind == "csv" ? UInt8(ascii: ",") : UInt8(ascii: "\t"), columns: columns)
        case "json", "yaml":
            return .document(yaml: kind == "yaml", schema: fields["schema"].map { readSchema($0, at: "schema of \(what)", reader) } ?? Schema())
        case "npy":
            let dtype = fields["dtype"].flatMap { reader.string($0, "dtype of \(what)")?.value }
            var shape: [Int?]?
            if let node = fields["shape"] {
                shape = (node.sequence.map(Array.init) ?? []).map { dimension in
                    if dimension.string == "*" { return nil }
                    guard let size = dimension.int, size >= 0 else {
                        reader.error("a dimension of the shape of \(what) must be a size or '*', not '\(dimension.string ?? "?")'", at: dimension)
                        return nil
                    }
                    return size
                }
                if node.sequence == nil { reader.error("shape of \(what) must be a list such as [*, 3]", at: node) }
            }
            return .array(dtype: dtype, shape: shape)
        default:
            return .directory(contains: fields["contains"].map { reader.strings($0, "contains of \(what)").map(\.value) } ?? [])
        }
    }

    /// Reads a JSON Schema subset.
    private static func readSchema(_ node: Node, at what: String, _ reader: YAMLReader) -> Schema {
        let keys = ["type", "properties", "required", "items", "enum", "minimum", "maximum"]
        guard let fields = reader.fields(node, of: what, allowed: keys) else { return Schema() }
        let type = fields["type"].flatMap { reader.choice($0, "type of \(what)", among: schemaTypes) }
        let properties = (fields["properties"].flatMap { reader.mapping($0, of: "properties of \(what)") } ?? []).map { key, value in
            (key.value, readSchema(value, at: "property '\(key.value)' of \(what)", reader))
        }
        let required = fields["required"].map { reader.strings($0, "required of \(what)").map(\.value) } ?? []
        let items = fields["items"].map { readSchema($0, at: "items of \(what)", reader) }
        let choices = fields["enum"].map { (($0.sequence.map(Array.init)) ?? []).map { $0.string ?? "\($0)" } }
        return Schema(
            type: type, properties: properties, required: required, items: items, choices: choices,
            minimum: fields["minimum"].flatMap { reader.number($0, "minimum of \(what)") },
            maximum: fields["maximum"].flatMap { reader.number($0, "maximum of \(what)") })
    }
}
