import Foundation
import Testing

@testable import GitRecipeCore

/// The byte formats signing rests on, checked against their specifications and `ssh-keygen`.
@Suite struct SignatureFormatTests {
    /// DSSE's own test vector (secure-systems-lab/dsse, protocol.md).
    @Test func thePreAuthenticationEncodingIsDSSEs() {
        let encoded = DSSEEnvelope.preAuthenticationEncoding(type: "http://example.com/HelloWorld", body: Data("hello world".utf8))
        #expect(String(decoding: encoded, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    @Test func anEnvelopeReadsBackAsWritten() throws {
        let envelope = DSSEEnvelope(
            payload: Data("{\"a\":1}".utf8), payloadType: DSSEEnvelope.inTotoPayloadType, signature: .init(keyid: "SHA256:x", sig: "c2ln"))
        #expect(
            envelope.json
                == #"{"payload":"eyJhIjoxfQ==","payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"SHA256:x","sig":"c2ln"}]}"#)
        #expect(DSSEEnvelope(json: envelope.json) == envelope)
        #expect(DSSEEnvelope(json: "{garbage") == nil)
    }

    /// The key id of a signature is the fingerprint `ssh-keygen -l` prints for the key that
    /// made it, and the allowed-signers reader finds that key whatever options the line has.
    @Test func fingerprintsAreSSHKeygens() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "git-recipe-ssh-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let made = try ChildProcess(arguments: ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "\(directory)/id"], directory: directory).run()
        #expect(made.status == 0)
        let listed = try ChildProcess(arguments: ["ssh-keygen", "-l", "-f", "\(directory)/id.pub"], directory: directory).run()
        let expected = try #require(listed.stdout.split(separator: " ").dropFirst().first.map(String.init))
        let signed = try ChildProcess(
            arguments: ["ssh-keygen", "-Y", "sign", "-f", "\(directory)/id", "-n", "git-recipe"], directory: directory, input: Data("x".utf8)
        ).run()
        let signature = try #require(SSHSignature(armored: signed.stdout))
        #expect(signature.fingerprint == expected)
        let publicKey = try String(contentsOfFile: "\(directory)/id.pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        #expect(signature.publicKeyLine == publicKey)
        let allowed = SignatureCheck.allowedKeys(
            """
            # the lab
            alice@example.org,*@lab.example.org namespaces="git,git-recipe" \(publicKey) alice's laptop
            bob@example.org ssh-rsa not-base64!
            """)
        #expect(allowed == [expected: ["alice@example.org", "*@lab.example.org"]])
        #expect(SSHSignature(armored: "-----BEGIN SSH SIGNATURE-----\nbm90IGEgc2lnbmF0dXJl\n-----END SSH SIGNATURE-----\n") == nil)
    }
}
