import Crypto
import Foundation

/// The user's git signing setup, used as git uses it for signed commits:
/// `gpg.format=ssh` signs with `ssh-keygen -Y sign` (`gpg.ssh.program`) and the key
/// `user.signingKey` names (a key file, or `key::` and a public key held by ssh-agent);
/// `openpgp` (git's default) with `gpg` (`gpg.program`) and the key id `user.signingKey`.
/// Signatures are made in the namespace `git-recipe`, so no signature made here passes as a
/// commit's or a file's, nor one of those as a run's.
struct SigningKey: Sendable {
    /// The SSH signature namespace.
    static let namespace = "git-recipe"

    /// How the key signs.
    enum Format: String, Sendable {
        case ssh
        case openpgp
    }

    /// `ssh` or `openpgp`.
    let format: Format
    /// `user.signingKey` as configured (a `~/` expanded).
    let key: String
    /// The program that signs: `ssh-keygen` or `gpg`, or what git's configuration names.
    let program: String
    /// Where scratch files go (the literal public key of a `key::` setting).
    private let scratch: String
    /// Where the program runs.
    private let directory: String

    /// The signing setup git's configuration describes.
    init(repository: Repository) throws {
        let format = try repository.config("gpg.format") ?? "openpgp"
        guard let parsed = Format(rawValue: format) else {
            throw SigningSetupError(
                problem: "gpg.format is '\(format)'; git recipe signs with ssh or openpgp keys",
                fix: ["git config gpg.format ssh", "git config user.signingKey ~/.ssh/id_ed25519.pub"])
        }
        guard let key = try repository.config("user.signingKey"), !key.isEmpty else {
            throw SigningSetupError(
                problem: "no signing key is configured; git recipe signs with git's own signing setup",
                fix: parsed == .ssh
                    ? ["git config gpg.format ssh", "git config user.signingKey ~/.ssh/id_ed25519.pub"]
                    : ["git config gpg.format openpgp", "git config user.signingKey YOUR-KEY-ID"])
        }
        self.format = parsed
        self.key = Self.expandingHome(key)
        program = try Self.program(for: parsed, in: repository)
        scratch = "\(repository.commonDirectory)/recipes/tmp"
        directory = repository.workTree
    }

    /// The program that signs and verifies in `format`, as git's configuration names it.
    static func program(for format: Format, in repository: Repository) throws -> String {
        switch format {
        case .ssh: try repository.config("gpg.ssh.program") ?? "ssh-keygen"
        case .openpgp: try repository.config("gpg.openpgp.program") ?? repository.config("gpg.program") ?? "gpg"
        }
    }

    /// A configured path with a leading `~/` read as the home directory, as git reads it.
    static func expandingHome(_ path: String) -> String {
        path.hasPrefix("~/") ? NSHomeDirectory() + path.dropFirst() : path
    }

    /// A signature of `data`, with the fingerprint of the key that made it.
    func sign(_ data: Data) throws -> DSSEEnvelope.Signature {
        switch format {
        case .ssh:
            let keyFile = try keyFile()
            defer { if keyFile != key { unlink(keyFile) } }
            let outcome = try run([program, "-Y", "sign", "-f", keyFile, "-n", Self.namespace], input: data)
            guard outcome.status == 0, let signature = SSHSignature(armored: outcome.stdout) else {
                throw SigningFailed(program: program, key: key, stderr: outcome.stderr)
            }
            return .init(keyid: signature.fingerprint, sig: Data(outcome.stdout.utf8).base64EncodedString())
        case .openpgp:
            let outcome = try run([program, "--status-fd=2", "--batch", "--yes", "-bsau", key], input: data)
            let created = outcome.stderr.split(separator: "\n").first { $0.hasPrefix("[GNUPG:] SIG_CREATED ") }
            guard outcome.status == 0, let fingerprint = created?.split(separator: " ").last else {
                throw SigningFailed(program: program, key: key, stderr: outcome.stderr)
            }
            return .init(keyid: String(fingerprint), sig: Data(outcome.stdout.utf8).base64EncodedString())
        }
    }

    /// The key file `ssh-keygen -f` takes: the configured path, or a scratch file holding a
    /// `key::` literal, whose private half ssh-agent holds.
    private func keyFile() throws -> String {
        guard key.hasPrefix("key::") else { return key }
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let path = "\(scratch)/signing-key.\(getpid()).\(UInt32.random(in: 0...UInt32.max)).pub"
        guard FileManager.default.createFile(atPath: path, contents: Data((key.dropFirst(5) + "\n").utf8)) else {
            throw FileWriteError(path: path, reason: "could not create it")
        }
        return path
    }

    /// Runs `arguments` with `input` on stdin.
    private func run(_ arguments: [String], input: Data) throws -> ChildProcess.Outcome {
        try ChildProcess(arguments: arguments, directory: directory, input: input).run(timeout: 120)
    }
}

/// An armored SSH signature (`-----BEGIN SSH SIGNATURE-----`), read far enough to know the
/// public key that made it.
struct SSHSignature {
    /// The public key blob, as SSH encodes it.
    let publicKey: Data

    /// The key's fingerprint as `ssh-keygen -l` prints it: `SHA256:` and unpadded base64.
    var fingerprint: String { Self.fingerprint(of: publicKey) }

    /// The key's type and base64, as an allowed-signers line names it.
    var publicKeyLine: String {
        let type = Self.string(in: publicKey, at: 0).map { String(decoding: $0.value, as: UTF8.self) } ?? "ssh-ed25519"
        return "\(type) \(publicKey.base64EncodedString())"
    }

    /// Reads the signature; `nil` when `armored` is not an SSH signature.
    init?(armored: String) {
        let body = armored.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        guard let blob = Data(base64Encoded: body), blob.count > 10, blob.prefix(6) == Data("SSHSIG".utf8),
            let key = Self.string(in: blob, at: 10)
        else { return nil }
        publicKey = key.value
    }

    /// `SHA256:` and the unpadded base64 of the SHA-256 of `key`.
    static func fingerprint(of key: Data) -> String {
        "SHA256:" + Data(SHA256.hash(data: key)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// The SSH `string` (a big-endian 32-bit length, then the bytes) at `offset` of `blob`.
    private static func string(in blob: Data, at offset: Int) -> (value: Data, end: Int)? {
        let bytes = [UInt8](blob)
        guard offset + 4 <= bytes.count else { return nil }
        let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        guard offset + 4 + length <= bytes.count else { return nil }
        return (Data(bytes[offset + 4..<offset + 4 + length]), offset + 4 + length)
    }
}

/// Signing was asked for but git's configuration does not say how.
struct SigningSetupError: RecipeError {
    /// What is missing or wrong.
    let problem: String
    /// The configuration lines that fix it.
    let fix: [String]

    /// Exit 1: a precondition refused.
    var exitStatus: ExitStatus { .checkFailed }

    /// The problem, then the lines to run.
    var description: String {
        problem + "; set it up:\n" + fix.map { "  \($0)\n" }.joined() + "(the same setup signs your commits: git commit -S)"
    }
}

/// The signing program refused.
struct SigningFailed: RecipeError {
    /// The program that ran.
    let program: String
    /// The key it was given.
    let key: String
    /// What it said.
    let stderr: String

    /// Exit 1: signing failed.
    var exitStatus: ExitStatus { .checkFailed }

    /// What the program said, and what to check.
    var description: String {
        "\(program) could not sign with '\(key)':\n" + stderr.split(separator: "\n").map { "  \($0)\n" }.joined()
            + "check user.signingKey (git config user.signingKey) and that the key is usable (ssh-add -l, gpg -K)"
    }
}
