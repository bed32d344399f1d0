import Foundation

/// Checks signed run records the way git checks signed commits: SSH signatures
/// with `ssh-keygen -Y verify` against `gpg.ssh.allowedSignersFile`, OpenPGP signatures with
/// `gpg --verify` against the keyring. A signature counts only when the signature is good,
/// its key is trusted, and the statement it signs names the run's record byte for byte.
public struct SignatureCheck: Sendable {
    /// What a run's signatures say.
    public struct Signatures: Sendable {
        /// The run.
        public let run: String
        /// Each good signature: who, by which key.
        public let valid: [(principal: String, key: String)]
        /// Each signature that does not count, and why.
        public let problems: [String]

        /// No signature at all.
        public var unsigned: Bool { valid.isEmpty && problems.isEmpty }
        /// The principals of its good signatures.
        public var signers: [String] { valid.map(\.principal) }
        /// One line per signature: `signed by P (key K)`, or why one does not count.
        public var lines: [String] {
            valid.map { "signed by \($0.principal) (key \($0.key)): good" } + problems.map { "not counted: \($0)" }
        }
    }

    /// The allowed signers file, when configured.
    private let allowedSignersFile: String?
    /// Each allowed key's fingerprint, and the principal patterns it is allowed for.
    private let allowed: [String: [String]]
    /// `ssh-keygen`, or `gpg.ssh.program`.
    private let sshProgram: String
    /// `gpg`, or `gpg.program`.
    private let gpgProgram: String
    /// Where the signature files `ssh-keygen` and `gpg` read go for a moment.
    private let scratch: String
    /// Where the programs run.
    private let directory: String

    /// A check with `repository`'s configuration.
    public init(repository: Repository) throws {
        let file = try repository.config("gpg.ssh.allowedSignersFile").map(SigningKey.expandingHome)
        allowedSignersFile = file
        allowed = file.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }.map(Self.allowedKeys) ?? [:]
        sshProgram = try SigningKey.program(for: .ssh, in: repository)
        gpgProgram = try SigningKey.program(for: .openpgp, in: repository)
        scratch = "\(repository.commonDirectory)/recipes/tmp"
        directory = repository.workTree
    }

    /// The signatures of each of `runs`, in order: the notes are read here, the signatures
    /// checked on every core (each check is a process).
    public func signatures(of runs: [RunRecord], in attestations: Attestations) throws -> [Signatures] {
        let stored = try attestations.of(runs)
        let pairs = zip(runs, stored).flatMap { run, attestations in attestations.map { (run, $0) } }
        let outcomes = concurrentMap(
            pairs.count, workers: ProcessInfo.processInfo.activeProcessorCount * 2, state: {},
            transform: { [self] _, index in check(pairs[index].1, of: pairs[index].0) })
        var byRun: [String: [Result<(principal: String, key: String), SignatureProblem>]] = [:]
        for (pair, outcome) in zip(pairs, outcomes) { byRun[pair.0.id, default: []].append(outcome) }
        return runs.map { run in
            let outcomes = byRun[run.id] ?? []
            return Signatures(
                run: run.id, valid: outcomes.compactMap { try? $0.get() },
                problems: outcomes.compactMap { if case .failure(let problem) = $0 { problem.description } else { nil } })
        }
    }

    /// Whether `attestation` is a good signature of `run`'s record, and by whom.
    func check(_ attestation: Attestations.Attestation, of run: RunRecord) -> Result<(principal: String, key: String), SignatureProblem> {
        let by = "signature by \(attestation.signer)"
        guard let envelope = attestation.envelope, let payload = envelope.payloadBytes,
            envelope.payloadType == DSSEEnvelope.inTotoPayloadType, let signature = envelope.signatures.first
        else { return .failure(SignatureProblem("\(by): its envelope cannot be read (not a DSSE envelope of an in-toto statement)")) }
        let recorded = Self.recordDigest(in: payload, run: run.id)
        let actual = ContentDigest.of(Data(run.document.utf8)).hex
        guard recorded == actual else {
            return .failure(
                SignatureProblem(
                    recorded == nil
                        ? "\(by): the signed statement does not name this run's record"
                        : "\(by) does not match the record: the run record changed after it was signed (sha256 \(recorded!.prefix(12)) signed, \(actual.prefix(12)) now)"
                ))
        }
        let signed = DSSEEnvelope.preAuthenticationEncoding(type: envelope.payloadType, body: payload)
        guard let armored = Data(base64Encoded: signature.sig) else {
            return .failure(SignatureProblem("\(by): its signature is not base64"))
        }
        switch attestation.format {
        case .ssh: return checkSSH(armored, signed: signed, keyid: signature.keyid, claimed: attestation.signer)
        case .openpgp: return checkOpenPGP(armored, signed: signed)
        }
    }

    /// The SHA-256 the statement `payload` gives for `run`'s record.
    private static func recordDigest(in payload: Data, run: String) -> String? {
        guard let statement = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
            let subjects = statement["subject"] as? [[String: Any]],
            let record = subjects.first(where: { $0["name"] as? String == InTotoStatement.recordName(run) }),
            let digest = record["digest"] as? [String: String]
        else { return nil }
        return digest["sha256"]
    }

    /// An SSH signature, checked against the allowed signers.
    private func checkSSH(_ armored: Data, signed: Data, keyid: String, claimed: String) -> Result<(principal: String, key: String), SignatureProblem>
    {
        guard let signature = SSHSignature(armored: String(decoding: armored, as: UTF8.self)) else {
            return .failure(SignatureProblem("signature by \(claimed): not an SSH signature"))
        }
        let key = signature.fingerprint
        guard let file = allowedSignersFile else {
            return .failure(
                SignatureProblem(
                    "signature by \(claimed) (key \(key)) cannot be checked: gpg.ssh.allowedSignersFile is not set; "
                        + "set it: git config gpg.ssh.allowedSignersFile ~/.config/git/allowed_signers"))
        }
        guard let patterns = allowed[key] else {
            return .failure(
                SignatureProblem(
                    "signature by \(claimed): key \(key) is not in the allowed signers (\(file)); if you trust it, add the line: \(claimed) \(signature.publicKeyLine)"
                ))
        }
        let principal =
            patterns.contains { fnmatch($0, claimed, 0) == 0 } ? claimed : patterns.first { !$0.contains("*") && !$0.contains("?") } ?? claimed
        let outcome = withScratchFile(armored) { path in
            try ChildProcess(
                arguments: [sshProgram, "-Y", "verify", "-f", file, "-I", principal, "-n", SigningKey.namespace, "-s", path],
                directory: directory, input: signed
            ).run(timeout: 60)
        }
        guard case .success(let result) = outcome, result.status == 0 else {
            let said = (try? outcome.get()).map { $0.stderr + $0.stdout } ?? "\((outcome.failureValue).map { "\($0)" } ?? "")"
            return .failure(SignatureProblem("signature by \(claimed) (key \(key), allowed for \(principal)) is not valid: \(Self.firstLine(said))"))
        }
        return .success((principal, key))
    }

    /// An OpenPGP signature, checked against the keyring.
    private func checkOpenPGP(_ armored: Data, signed: Data) -> Result<(principal: String, key: String), SignatureProblem> {
        let outcome = withScratchFile(armored) { path in
            try ChildProcess(arguments: [gpgProgram, "--status-fd=1", "--batch", "--verify", path, "-"], directory: directory, input: signed)
                .run(timeout: 60)
        }
        guard case .success(let result) = outcome else {
            return .failure(SignatureProblem("the OpenPGP signature could not be checked: \(outcome.failureValue.map { "\($0)" } ?? "")"))
        }
        let status = result.stdout.split(separator: "\n")
        func fields(_ keyword: String) -> [Substring]? {
            status.first { $0.hasPrefix("[GNUPG:] \(keyword) ") }.map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        }
        if let missing = fields("NO_PUBKEY") {
            return .failure(SignatureProblem("OpenPGP key \(missing.last ?? "?") is not in your keyring; import it: gpg --import KEY.asc"))
        }
        guard result.status == 0, let good = fields("GOODSIG"), let valid = fields("VALIDSIG"), valid.count > 2 else {
            return .failure(SignatureProblem("the OpenPGP signature is not valid: \(Self.firstLine(result.stderr + result.stdout))"))
        }
        return .success((good.dropFirst(3).joined(separator: " "), String(valid[2])))
    }

    /// `body` with `contents` in a scratch file under `.git/recipes/tmp`, removed after.
    private func withScratchFile(_ contents: Data, _ body: (String) throws -> ChildProcess.Outcome) -> Result<ChildProcess.Outcome, Error> {
        Result {
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let path = "\(scratch)/signature.\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
            guard FileManager.default.createFile(atPath: path, contents: contents) else {
                throw FileWriteError(path: path, reason: "could not create it")
            }
            defer { unlink(path) }
            return try body(path)
        }
    }

    /// The allowed signers file's keys: fingerprint → principal patterns. Lines are
    /// `PRINCIPALS [OPTIONS] KEYTYPE BASE64 [COMMENT]`, as `ssh-keygen(1)` describes.
    static func allowedKeys(_ text: String) -> [String: [String]] {
        var keys: [String: [String]] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#"),
                let type = fields.indices.dropFirst().first(where: { ["ssh-", "ecdsa-", "sk-"].contains(where: fields[$0].hasPrefix) }),
                type + 1 < fields.count, let blob = Data(base64Encoded: fields[type + 1])
            else { continue }
            keys[SSHSignature.fingerprint(of: blob), default: []] += first.split(separator: ",").map(String.init)
        }
        return keys
    }

    /// The first non-empty line of what a program said.
    private static func firstLine(_ text: String) -> String {
        text.split(separator: "\n").first.map(String.init) ?? "no reason given"
    }
}

/// Why one signature does not count.
struct SignatureProblem: Error, CustomStringConvertible {
    /// What is wrong, and what would fix it.
    let description: String

    /// A problem described as `description`.
    init(_ description: String) { self.description = description }
}

extension Result {
    /// The error, when it failed.
    fileprivate var failureValue: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
