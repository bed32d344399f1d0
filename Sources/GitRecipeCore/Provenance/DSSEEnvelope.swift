import Foundation

/// A Dead Simple Signing Envelope (DSSE v1): a payload, its type, and signatures over the
/// payload's pre-authentication encoding. Here the payload is always an in-toto statement.
public struct DSSEEnvelope: Codable, Equatable, Sendable {
    /// The payload type of an in-toto statement.
    static let inTotoPayloadType = "application/vnd.in-toto+json"

    /// The payload, base64.
    var payload: String
    /// What the payload is.
    var payloadType: String
    /// One signature per key that signed it.
    var signatures: [Signature]

    /// A signature and the key that made it.
    struct Signature: Codable, Equatable, Sendable {
        /// The key's fingerprint: `SHA256:…` for SSH, the OpenPGP fingerprint for gpg.
        var keyid: String
        /// The signature, base64: the armored SSH signature or OpenPGP signature.
        var sig: String
    }

    /// The envelope's payload bytes; `nil` when the payload is not base64.
    var payloadBytes: Data? { Data(base64Encoded: payload) }

    /// What is signed: DSSE's pre-authentication encoding of the type and the payload,
    /// `DSSEv1 LEN(type) type LEN(body) body`, lengths in decimal bytes.
    static func preAuthenticationEncoding(type: String, body: Data) -> Data {
        var encoded = Data("DSSEv1 \(type.utf8.count) \(type) \(body.count) ".utf8)
        encoded.append(body)
        return encoded
    }

    /// The envelope as one line of JSON, keys sorted.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding three strings and a list of them cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Reads an envelope; `nil` when `text` is not one.
    init?(json text: String) {
        guard let envelope = try? JSONDecoder().decode(DSSEEnvelope.self, from: Data(text.utf8)) else { return nil }
        self = envelope
    }

    /// An envelope of `payload` with one signature.
    init(payload: Data, payloadType: String, signature: Signature) {
        self.payload = payload.base64EncodedString()
        self.payloadType = payloadType
        signatures = [signature]
    }
}
