import Foundation

/// Signed run records: each signature is a DSSE envelope around the run's
/// in-toto statement, kept in `refs/notes/recipes-attestations` on the commit whose note
/// holds the run. A note there is a YAML stream like a run note, one document per run and
/// key, so it is written by compare-and-swap and merged as a union exactly as run records
/// are, and travels with them on `push` and `pull`.
public struct Attestations {
    /// The ref the envelopes live under.
    public static let ref = Repository.attestationsRef

    /// The repository whose runs are signed.
    let repository: Repository

    /// The attestations of `repository`.
    public init(repository: Repository) {
        self.repository = repository
    }

    /// One signature of one run, as stored.
    public struct Attestation: Sendable {
        /// The run signed.
        public let run: String
        /// Who signed, as they said (`user.email` when they signed): what a verifier checks
        /// against the principal their key is allowed for.
        public let signer: String
        /// `ssh` or `openpgp`.
        let format: SigningKey.Format
        /// When it was signed, UTC.
        let signed: String
        /// The envelope; `nil` when the stored one could not be read.
        let envelope: DSSEEnvelope?
    }

    /// Signs each of `runs` with the user's signing key and stores the envelopes, one note
    /// update per commit; the signing programs run on every core. Returns the key's id.
    @discardableResult
    public func sign(_ runs: [RunRecord]) throws -> String {
        let key = try SigningKey(repository: repository)
        let signer = try repository.identity().email
        var keyID = ""
        for (commit, runs) in Dictionary(grouping: runs, by: \.attachedTo).sorted(by: { $0.key < $1.key }) {
            let signed = concurrentMap(
                runs.count, workers: ProcessInfo.processInfo.activeProcessorCount * 2, state: {},
                transform: { _, index in Result { try Self.document(signing: runs[index], with: key, as: signer) } })
            let documents = try signed.map { try $0.get() }
            keyID = documents.last?.keyID ?? keyID
            try repository.updateNote(on: commit, ref: Self.ref, message: "git-recipe: sign \(runs.map(\.id).joined(separator: ", "))") { current in
                var note = RunNote(parsing: current)
                // A run signed again with the same key replaces its earlier signature.
                for document in documents { note.replace(id: document.id, text: document.text) }
                return note.rendered
            }
        }
        return keyID
    }

    /// The attestation document of `run` signed with `key` by `signer`.
    private static func document(signing run: RunRecord, with key: SigningKey, as signer: String) throws -> (id: String, text: String, keyID: String)
    {
        let manifest = try run.manifest()
        let payload = Data(InTotoStatement.of(manifest, document: run.document).json(indent: nil).utf8)
        let signature = try key.sign(DSSEEnvelope.preAuthenticationEncoding(type: DSSEEnvelope.inTotoPayloadType, body: payload))
        let envelope = DSSEEnvelope(payload: payload, payloadType: DSSEEnvelope.inTotoPayloadType, signature: signature)
        let id = "\(run.id) \(signature.keyid)"
        let document = CanonicalYAML.ordered([
            ("id", .string(id)), ("run", .string(run.id)), ("signer", .string(signer)), ("format", .string(key.format.rawValue)),
            ("signed", .string(RunID.timestamp(Date()))), ("envelope", .string(envelope.json)),
        ])
        return (id, document.rendered(), signature.keyid)
    }

    /// Every signature of each of `runs`, in key order: each commit's note is read and
    /// parsed once, however many of its runs are asked about.
    public func of(_ runs: [RunRecord]) throws -> [[Attestation]] {
        var byCommit: [ObjectID: [String: [Attestation]]] = [:]
        for commit in Set(runs.map(\.attachedTo)) {
            guard let data = try repository.note(on: commit, ref: Self.ref) else { continue }
            var byRun: [String: [Attestation]] = [:]
            for document in RunNote(parsing: data).documents {
                guard let value = try? ManifestValue(yaml: document.text), let run = value["run"]?.scalarText else { continue }
                byRun[run, default: []].append(
                    Attestation(
                        run: run, signer: value["signer"]?.scalarText ?? "?",
                        format: value["format"]?.scalarText.flatMap(SigningKey.Format.init(rawValue:)) ?? .ssh,
                        signed: value["signed"]?.scalarText ?? "?",
                        envelope: value["envelope"]?.scalarText.flatMap(DSSEEnvelope.init(json:))))
            }
            byCommit[commit] = byRun
        }
        return runs.map { byCommit[$0.attachedTo]?[$0.id] ?? [] }
    }
}
