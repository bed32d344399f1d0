import Foundation
import TestSupport
import Testing

/// Signed run records: keys made in the test with `ssh-keygen` and `gpg`,
/// runs signed, shared through a bare remote, verified in another clone; tampering,
/// unknown keys, missing setup, corrupt envelopes and concurrent signers.
@Suite("Signed run records")
struct SigningTests {
    /// A signer: an ed25519 key in its own directory, and its allowed-signers line.
    struct Signer {
        let email: String
        let directory: TemporaryDirectory
        var key: String { directory.path + "/id" }
        let publicKey: String
        var allowedLine: String { "\(email) \(publicKey)" }

        init(_ email: String) throws {
            self.email = email
            directory = try TemporaryDirectory("git-recipe-key")
            let made = try run(
                "ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", email, "-f", directory.path + "/id"], in: directory.path,
                environment: ProcessInfo.processInfo.environment)
            guard made.status == 0 else { throw CommandFailure(command: "ssh-keygen", result: made) }
            publicKey = try String(contentsOfFile: directory.path + "/id.pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        }

        /// Sets `repo` up to sign as this signer, trusting the `trusted` signers.
        func use(in repo: TemporaryGitRepository, trusting trusted: [Signer], signAtRecord: Bool = false) throws {
            try repo.git("config", "user.email", email)
            try repo.git("config", "gpg.format", "ssh")
            try repo.git("config", "user.signingKey", key)
            let allowed = repo.home.path + "/allowed_signers"
            try (trusted.map(\.allowedLine).joined(separator: "\n") + "\n").write(toFile: allowed, atomically: true, encoding: .utf8)
            try repo.git("config", "gpg.ssh.allowedSignersFile", allowed)
            if signAtRecord { try repo.git("config", "recipe.sign", "true") }
        }
    }

    /// The run ids on HEAD, in id order.
    static func runIDs(_ repo: TemporaryGitRepository) throws -> [String] {
        try NotesSyncTests.runIDs(repo).map { String($0.dropFirst(4)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
    }

    /// The attestation documents on HEAD.
    static func signatureCount(_ repo: TemporaryGitRepository) throws -> Int {
        try repo.git("notes", "--ref=recipes-attestations", "show", "HEAD").split(separator: "\n").filter { $0.hasPrefix("envelope: ") }.count
    }

    @Test func aSecondCloneVerifiesWhoProducedAndWhoReproduced() throws {
        let (remote, a, b) = try NotesSyncTests.clones()
        defer { withExtendedLifetime(remote) {} }
        let alice = try Signer("alice@example.org")
        let bob = try Signer("bob@example.org")
        try alice.use(in: a, trusting: [alice, bob], signAtRecord: true)
        try bob.use(in: b, trusting: [alice, bob], signAtRecord: true)

        try NotesSyncTests.record(a, runs: 1)
        let original = try #require(try Self.runIDs(a).first)
        #expect(try Self.signatureCount(a) == 1)
        #expect(try a.recipe("push").status == 0)

        // Bob pulls the record and its signature, checks them, reproduces the run and signs that.
        #expect(try b.recipe("pull").status == 0)
        let verified = try b.recipe("verify", "--signed")
        #expect(verified.status == 0 && verified.stdout.contains("runs recorded and signed"), "\(verified)")
        let reproduced = try b.recipe("reproduce", original)
        #expect(reproduced.status == 0, "\(reproduced)")
        #expect(try b.recipe("push").status == 0)

        // Alice's clone now knows who produced and who reproduced the result.
        let pulled = try a.recipe("pull")
        #expect(pulled.status == 0 && pulled.stdout.contains("merged 1 run on 1 commit and 1 signature from origin"), "\(pulled)")
        #expect(try Self.signatureCount(a) == 2)
        #expect(try a.recipe("verify", "--signed").status == 0)
        let shown = try a.recipe("show", original)
        #expect(shown.stdout.contains("# signed by alice@example.org (key SHA256:"), "\(shown)")
        let report = try a.recipe("report", original)
        #expect(report.stdout.contains("1 reproduction by 1 signer on 1 host: exact"), "\(report)")
        #expect(report.stdout.contains("| bob@example.org |"), "\(report)")
    }

    @Test func aRecordChangedAfterSigningFailsVerificationNamingTheRun() throws {
        let repo = try RunCommandTests.project(RunCommandTests.echo)
        let alice = try Signer("alice@example.org")
        try alice.use(in: repo, trusting: [alice])
        try NotesSyncTests.record(repo, runs: 2)
        let ids = try Self.runIDs(repo)
        let signed = try repo.recipe("sign", "HEAD")
        #expect(signed.status == 0 && signed.stdout.contains("signed \(ids[0])"), "\(signed)")
        #expect(try repo.recipe("verify", "--signed").status == 0)

        // One byte of the first run's record changes after it was signed.
        let note = try repo.git("notes", "--ref=recipes", "show", "HEAD")
        let tampered = try #require(note.range(of: "acc: 0.01"))
        try repo.write("tampered-note", note.replacingCharacters(in: tampered, with: "acc: 0.02") + "\n")
        try repo.git("notes", "--ref=recipes", "add", "-f", "-F", repo.path + "/tampered-note", "HEAD")
        let verify = try repo.recipe("verify", "--signed")
        #expect(verify.status == 1, "\(verify)")
        #expect(verify.stderr.contains("run \(ids[0]): signature by alice@example.org does not match the record"), "\(verify)")
        #expect(!verify.stderr.contains("run \(ids[1]):"), "the untouched run is not blamed: \(verify)")
        let shown = try repo.recipe("show", ids[0])
        #expect(shown.stdout.contains("# not counted: signature by alice@example.org does not match the record"), "\(shown)")
    }

    @Test func aKeyNobodyAllowedIsNamedWithItsPrincipal() throws {
        let repo = try RunCommandTests.project(RunCommandTests.echo)
        let alice = try Signer("alice@example.org")
        let mallory = try Signer("mallory@example.org")
        try mallory.use(in: repo, trusting: [alice])
        try NotesSyncTests.record(repo, runs: 1)
        #expect(try repo.recipe("sign", "HEAD").status == 0)
        let verify = try repo.recipe("verify", "--signed")
        #expect(verify.status == 1, "\(verify)")
        #expect(verify.stderr.contains("signature by mallory@example.org: key SHA256:"), "\(verify)")
        #expect(verify.stderr.contains("is not in the allowed signers"), "\(verify)")
        #expect(verify.stderr.contains("add the line: \(mallory.allowedLine)"), "\(verify)")
    }

    @Test func signingWithoutAKeySaysWhichConfigurationToSet() throws {
        let repo = try RunCommandTests.project(RunCommandTests.echo)
        try NotesSyncTests.record(repo, runs: 1)
        let sign = try repo.recipe("sign", "HEAD")
        #expect(sign.status == 1, "\(sign)")
        #expect(sign.stderr.contains("git config gpg.format"), "\(sign)")
        #expect(sign.stderr.contains("git config user.signingKey"), "\(sign)")
        #expect(try repo.git("for-each-ref", "refs/notes/recipes-attestations").isEmpty)

        // Signing at record time with no key still records the run, and says how to sign it.
        try repo.git("config", "recipe.sign", "true")
        let recorded = try repo.recipe("run", "r")
        #expect(recorded.status == 0, "\(recorded)")
        #expect(recorded.stderr.contains("is recorded but not signed"), "\(recorded)")
        #expect(try Self.runIDs(repo).count == 2)
    }

    @Test func anOpenPGPKeySignsAndTheKeyringVerifies() throws {
        let repo = try RunCommandTests.project(RunCommandTests.echo)
        let home = try TemporaryDirectory("git-recipe-gnupg")
        chmod(home.path, 0o700)
        let environment = ProcessInfo.processInfo.environment.merging(["GNUPGHOME": home.path]) { _, new in new }
        let made = try run(
            "gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "Carol <carol@example.org>", "ed25519", "sign", "never"], in: home.path,
            environment: environment)
        #expect(made.status == 0, "\(made)")
        let listed = try run("gpg", ["--batch", "--with-colons", "--list-keys", "carol@example.org"], in: home.path, environment: environment)
        let fingerprint = try #require(listed.stdout.split(separator: "\n").first { $0.hasPrefix("fpr:") }?.split(separator: ":").last)
        try repo.git("config", "gpg.format", "openpgp")
        try repo.git("config", "user.signingKey", String(fingerprint))
        try NotesSyncTests.record(repo, runs: 1)
        let sign = try repo.recipe("sign", "HEAD", environment: ["GNUPGHOME": home.path])
        #expect(sign.status == 0 && sign.stdout.contains("(key \(fingerprint))"), "\(sign)")
        let verify = try repo.recipe("verify", "--signed", environment: ["GNUPGHOME": home.path])
        #expect(verify.status == 0, "\(verify)")
        let shown = try repo.recipe("show", "HEAD", environment: ["GNUPGHOME": home.path])
        #expect(shown.stdout.contains("# signed by Carol <carol@example.org> (key \(fingerprint)): good"), "\(shown)")

        // A keyring without Carol's key cannot count her signature, and says what to import.
        let stranger = try TemporaryDirectory("git-recipe-gnupg")
        chmod(stranger.path, 0o700)
        let elsewhere = try repo.recipe("verify", "--signed", environment: ["GNUPGHOME": stranger.path])
        #expect(elsewhere.status == 1 && elsewhere.stderr.contains("is not in your keyring"), "\(elsewhere)")
    }

    @Test func aCorruptEnvelopeIsReportedForItsRunOnly() throws {
        let repo = try RunCommandTests.project(RunCommandTests.echo)
        let alice = try Signer("alice@example.org")
        try alice.use(in: repo, trusting: [alice])
        try NotesSyncTests.record(repo, runs: 2)
        let ids = try Self.runIDs(repo)
        #expect(try repo.recipe("sign", "HEAD").status == 0)
        let note = try repo.git("notes", "--ref=recipes-attestations", "show", "HEAD")
        var documents = note.components(separatedBy: "---\n")
        let index = try #require(documents.firstIndex { $0.contains("run: \"\(ids[1])\"") })
        documents[index] = documents[index].replacingOccurrences(of: "envelope: \"{", with: "envelope: \"{garbage")
        try repo.write("corrupt-note", documents.joined(separator: "---\n"))
        try repo.git("notes", "--ref=recipes-attestations", "add", "-f", "-F", repo.path + "/corrupt-note", "HEAD")
        let verify = try repo.recipe("verify", "--signed")
        #expect(verify.status == 1, "\(verify)")
        #expect(verify.stderr.contains("run \(ids[1]): signature by alice@example.org: its envelope cannot be read"), "\(verify)")
        #expect(!verify.stderr.contains("run \(ids[0]):"), "\(verify)")
        #expect(try repo.recipe("show", ids[0]).stdout.contains(": good"))
    }

    @Test func concurrentSignersLoseNoSignature() throws {
        let repo = try RunCommandTests.project(RunCommandTests.echo)
        let alice = try Signer("alice@example.org")
        try alice.use(in: repo, trusting: [alice])
        try NotesSyncTests.record(repo, runs: 8)
        let ids = try Self.runIDs(repo)
        let binary = BuiltProducts.directory + "/git-recipe"
        let statuses = try runConcurrently(ids.map { (binary, ["sign", $0], repo.path) }, environment: repo.environment)
        #expect(statuses.allSatisfy { $0 == 0 }, "\(statuses)")
        #expect(try Self.signatureCount(repo) == 8)
        #expect(try repo.recipe("verify", "--signed").status == 0)
        try NotesSyncTests.expectFsckClean(repo.path, environment: repo.environment)
    }
}
