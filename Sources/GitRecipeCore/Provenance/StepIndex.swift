import Foundation

/// The step keys recorded in the notes (and the journal), for the step cache: which run and
/// step each key came from. Kept in `.git/recipes/step-index` per note blob, so after a run
/// or a pull only the notes that changed are read again, and in those only the runs not
/// seen before are decoded (a run's document never changes); the file is replaced whole
/// (temporary file and rename), so a process killed while writing it leaves the previous
/// one, and one that cannot be read is rebuilt from the notes.
public struct StepIndex {
    /// One recorded step that succeeded.
    public struct Entry: Codable, Equatable, Sendable {
        /// The run's id.
        public let run: String
        /// The step's name.
        public let step: String
        /// The step's key.
        let key: String
        /// The commit whose note holds the run.
        let commit: String
    }

    /// What the index file holds: per annotated commit, its note's blob and its entries.
    private struct Stored: Codable {
        var version = 2
        var notes: [String: Note] = [:]

        struct Note: Codable {
            let blob: String
            /// Every run in the note, keyed steps or not.
            let runs: [String]
            let entries: [Entry]
        }
    }

    /// Every entry, by key: the latest run's.
    private let byKey: [String: Entry]
    private let repository: Repository

    /// The index of `repository`'s notes and journal, brought up to date.
    init(repository: Repository) throws {
        self.repository = repository
        let path = "\(repository.commonDirectory)/recipes/step-index"
        let previous = FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(Stored.self, from: $0) }
        var stored = previous?.version == 2 ? previous ?? Stored() : Stored()
        let blobs = try repository.referenceTarget(Repository.notesRef).map { try repository.noteBlobs(inNotesCommit: $0) } ?? [:]
        var changed = stored.notes.count != blobs.count
        var notes: [String: Stored.Note] = [:]
        for (commit, blob) in blobs {
            if let known = stored.notes[commit.hex], known.blob == blob.hex {
                notes[commit.hex] = known
                continue
            }
            changed = true
            let documents = RunNote(parsing: try repository.blobContents(blob)).documents
            let seen = Set(stored.notes[commit.hex]?.runs ?? [])
            let fresh = documents.filter { !seen.contains($0.id) }.map(\.text)
            let present = Set(documents.map(\.id))
            let kept = (stored.notes[commit.hex]?.entries ?? []).filter { present.contains($0.run) }
            notes[commit.hex] = Stored.Note(
                blob: blob.hex, runs: documents.map(\.id), entries: kept + Self.entries(in: fresh, commit: commit.hex))
        }
        stored.notes = notes
        if changed {
            var transaction = FileTransaction()
            if let data = try? JSONEncoder().encode(stored) { transaction.write(data, to: URL(fileURLWithPath: path)) }
            try? transaction.commit()
        }
        let journaled = RunJournal(repository: repository).entries().flatMap { Self.entries(in: [$0.document], commit: $0.commit.hex) }
        var byKey: [String: Entry] = [:]
        for entry in notes.values.flatMap(\.entries) + journaled where byKey[entry.key].map({ $0.run < entry.run }) ?? true {
            byKey[entry.key] = entry
        }
        self.byKey = byKey
    }

    /// The succeeded steps with a key in `documents`.
    private static func entries(in documents: [String], commit: String) -> [Entry] {
        documents.compactMap { try? RunManifest(decoding: $0) }.flatMap { manifest in
            manifest.steps.compactMap { step in
                guard let key = step.key, step.exit == 0, step.error == nil, step.skipped == nil else { return nil }
                return Entry(run: manifest.id, step: step.name, key: key, commit: commit)
            }
        }
    }

    /// The latest recorded step with `key`, and the outputs its run recorded. Only that run's
    /// document is decoded, once for all its steps.
    func lookup(_ key: ContentDigest) -> (run: String, step: String, outputs: [String: RunManifest.Output])? {
        guard let entry = byKey[key.description] else { return nil }
        if let outputs = decoded.outputs(of: entry.run) { return (entry.run, entry.step, outputs) }
        guard let commit = ObjectID(hex: entry.commit) else { return nil }
        let noted = ((try? repository.note(on: commit)).map { RunNote(parsing: $0).documents }) ?? []
        let journaled = RunJournal(repository: repository).entries().filter { $0.id == entry.run }.map { (id: $0.id, text: $0.document) }
        guard let document = (noted + journaled).first(where: { $0.id == entry.run }),
            let manifest = try? RunManifest(decoding: document.text)
        else { return nil }
        decoded.remember(manifest.outputs, of: entry.run)
        return (entry.run, entry.step, manifest.outputs)
    }

    /// Outputs of the runs decoded so far, by run id.
    private let decoded = Decoded()

    /// `@unchecked Sendable`: a runner uses its index from one thread; the lock makes any
    /// other use safe too.
    private final class Decoded: @unchecked Sendable {
        private var outputs: [String: [String: RunManifest.Output]] = [:]
        private let lock = NSLock()

        func outputs(of run: String) -> [String: RunManifest.Output]? { lock.withLock { outputs[run] } }
        func remember(_ value: [String: RunManifest.Output], of run: String) { lock.withLock { outputs[run] = value } }
    }
}
