import Foundation

/// `git recipe export`: a run or a sweep in a provenance standard others read.
/// Every format is built from the run records and the recipe at the runs' commit alone, so
/// two clones export the same run the same way.
public struct RunExport {
    /// The standards written.
    public enum Format: String, CaseIterable, Sendable {
        /// in-toto Statement v1, SLSA provenance v1 predicate: JSON (JSON Lines for several runs).
        case inToto = "in-toto"
        /// Workflow Run RO-Crate (Provenance Run Crate profile): a directory.
        case roCrate = "ro-crate"
        /// W3C PROV-JSON.
        case prov
        /// OpenLineage run events, JSON Lines.
        case openLineage = "openlineage"
    }

    /// The runs exported, in id order (a sweep: by seed).
    let runs: [ExportedRun]
    /// The recipe file at the runs' commit, when it is there.
    let recipeFile: (path: String, text: String)?
    /// The repository, for the bytes an RO-Crate carries.
    let repository: Repository
    /// The files of the runs' commit (a sweep's runs share it), read once.
    private let tree: StoredFiles
    /// The artifact store the outputs' bytes come from.
    private let store: ObjectStore

    /// One run with what the formats need: its manifest, its record's text, and each step's
    /// files as the recipe at its commit declares them.
    struct ExportedRun {
        /// The run's record.
        let record: RunRecord
        /// Its manifest.
        let manifest: RunManifest
        /// Each step's declared inputs and outputs, by step; empty when the recipe is not at
        /// the commit.
        let files: [String: (inputs: [String], outputs: [String])]

        /// The recorded digest of `path`: a pinned input's, or an output's.
        func digest(of path: String) -> String? { manifest.inputs[path] ?? manifest.outputs[path]?.digest }
    }

    /// The export of `runs` (one run, or the runs of a sweep), read from `repository`.
    public init(repository: Repository, runs: [RunRecord]) throws {
        self.repository = repository
        let first = runs[0]
        let commit = try repository.commit(named: first.commit) ?? first.attachedTo
        let files = StoredFiles(repository: repository, entries: try repository.treeEntries(of: commit))
        tree = files
        store = ObjectStore(repository: repository)
        let path = "\(Project.directory)/\(first.recipe).yaml"
        recipeFile = try files.read(path).map { (path, $0) }
        let steps = (try? Project.load(from: files, recipes: [first.recipe]))?.pipelines.first?.steps ?? []
        let declared = Dictionary(steps.map { ($0.name, (inputs: $0.inputs, outputs: $0.outputs)) }) { first, _ in first }
        self.runs = try runs.map { ExportedRun(record: $0, manifest: try $0.manifest(), files: declared) }
    }

    /// The export as text: a JSON document, or JSON Lines (one in-toto statement per run of
    /// several; one OpenLineage event per line). Not for `ro-crate`, which is a directory.
    public func text(_ format: Format) -> String {
        switch format {
        case .inToto:
            let statements = runs.map { InTotoStatement.of($0.manifest, document: $0.record.document) }
            return statements.count == 1 ? statements[0].json() + "\n" : statements.map { $0.json(indent: nil) + "\n" }.joined()
        case .prov: return ProvDocument(self).value.json() + "\n"
        case .openLineage: return OpenLineageEvents(self).events.map { $0.json(indent: nil) + "\n" }.joined()
        case .roCrate: return RunCrate(self).metadata.json() + "\n"
        }
    }

    /// Where a file of a crate comes from: the artifact store, or git's bytes at the commit.
    enum Source {
        case stored(ContentDigest)
        case bytes(Data)
    }

    /// Writes a Workflow Run RO-Crate into `directory`, which must not exist (or be empty):
    /// `ro-crate-metadata.json`, the recipe, and the bytes of every input and output this
    /// clone holds (from the artifact store, reflinked where the file system can, or from git
    /// at the run's commit); the rest are described without their bytes. Built beside it and
    /// renamed into place, so a failure leaves no half-written crate. Returns how many files
    /// it holds.
    public func writeCrate(to directory: String) throws -> Int {
        let crate = RunCrate(self)
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: directory) {
            guard existing.isEmpty else { throw ExportError(path: directory, problem: "it exists and is not empty; name a new directory with -o") }
            try manager.removeItem(atPath: directory)
        }
        let building = "\(directory).partial-\(getpid())"
        try? manager.removeItem(atPath: building)
        do {
            try manager.createDirectory(atPath: building, withIntermediateDirectories: true)
            try Data((crate.metadata.json() + "\n").utf8).write(to: URL(fileURLWithPath: "\(building)/ro-crate-metadata.json"))
            for (path, source) in crate.payload {
                let destination = "\(building)/\(path)"
                try manager.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                switch source {
                case .stored(let digest): try store.restore(digest, to: destination)
                case .bytes(let data): try data.write(to: URL(fileURLWithPath: destination))
                }
            }
            try manager.moveItem(atPath: building, toPath: directory)
        } catch {
            try? manager.removeItem(atPath: building)
            throw error
        }
        return crate.payload.count + 1
    }

    /// Where the bytes of the file `path`, recorded with `digest`, can be had in this clone:
    /// the artifact store, else git at the runs' commit when they match; `nil` when neither.
    func source(of path: String, digest: String) -> Source? {
        guard let content = ContentDigest(digest) else { return nil }
        if store.contains(content) { return .stored(content) }
        guard let entry = tree.entries(overlapping: path).first(where: { $0.path == path }),
            let data = try? repository.blobContents(entry.blob), ContentDigest.of(data) == content
        else { return nil }
        return .bytes(data)
    }

    /// A name-based UUID (version 8, RFC 9562) for `name`: the same run or step always gets
    /// the same id, as OpenLineage and RO-Crate want one.
    static func uuid(_ name: String) -> String {
        var bytes = Array(ContentDigest.of(Data(name.utf8)).hex.utf8.prefix(32))
        bytes[12] = UInt8(ascii: "8")
        bytes[16] = UInt8(ascii: "8")  // variant 10xx
        let hex = String(decoding: bytes, as: UTF8.self)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex[hex.index(hex.startIndex, offsetBy: range.lowerBound)..<hex.index(hex.startIndex, offsetBy: range.upperBound)])
        }
        return parts.joined(separator: "-")
    }
}

/// An export that cannot be written where asked.
struct ExportError: RecipeError {
    /// Where it was to go.
    let path: String
    /// What is wrong.
    let problem: String

    /// Exit 2: invalid input.
    var exitStatus: ExitStatus { .invalidInput }

    /// The path and the problem.
    var description: String { "cannot export to '\(path)': \(problem)" }
}
