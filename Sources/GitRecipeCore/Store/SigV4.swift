import Crypto
import Foundation

/// AWS Signature Version 4 for S3 requests (the `Authorization` header form): the canonical
/// request, the string to sign and the derived signing key, as AWS specifies them. The secret
/// key only ever enters the HMAC; what leaves this type is the signature.
struct SigV4: Sendable {
    /// AWS credentials, read from the standard variables; never written anywhere.
    struct Credentials: Sendable {
        let accessKey: String
        let secretKey: String
        /// Present for temporary credentials; sent as `x-amz-security-token`.
        let sessionToken: String?

        /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`; `nil` without the first two.
        init?(environment: [String: String]) {
            guard let access = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"], !access.isEmpty, !secret.isEmpty
            else { return nil }
            self.init(accessKey: access, secretKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
        }

        init(accessKey: String, secretKey: String, sessionToken: String?) {
            self.accessKey = accessKey
            self.secretKey = secretKey
            self.sessionToken = sessionToken
        }
    }

    let credentials: Credentials
    let region: String
    var service = "s3"

    /// The headers to send with a request: `headers` plus `x-amz-date`, `x-amz-content-sha256`,
    /// the session token when there is one, and `Authorization`. `host` is the `Host` header
    /// as sent (with the port when it is not the scheme's); `path` is already URI-encoded;
    /// `payloadHash` is the hex SHA-256 of the body.
    func sign(
        method: String, host: String, path: String, query: [(String, String)], headers: [String: String] = [:], payloadHash: String, date: Date
    ) -> [String: String] {
        let (day, time) = Self.timestamps(date)
        var signed = headers
        signed["host"] = host
        signed["x-amz-date"] = time
        signed["x-amz-content-sha256"] = payloadHash
        if let token = credentials.sessionToken { signed["x-amz-security-token"] = token }
        let canonicalHeaders = signed.map { (key: $0.key.lowercased(), value: $0.value.trimmingCharacters(in: .whitespaces)) }
            .sorted { $0.key < $1.key }
        let signedHeaders = canonicalHeaders.map(\.key).joined(separator: ";")
        let canonicalQuery = query.map { (Self.encode($0.0), Self.encode($0.1)) }.sorted { $0 < $1 }.map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        let canonicalRequest = [
            method, path, canonicalQuery, canonicalHeaders.map { "\($0.key):\($0.value)\n" }.joined(), signedHeaders, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", time, scope, Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretKey)".utf8))
        for part in [day, region, service, "aws4_request"] { key = SymmetricKey(data: Self.hmac(part, key)) }
        let signature = Self.hex(Self.hmac(stringToSign, key))
        var result = signed
        result.removeValue(forKey: "host")
        result["Authorization"] =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return result
    }

    /// `yyyyMMdd` and `yyyyMMddTHHmmssZ` in UTC.
    static func timestamps(_ date: Date) -> (day: String, time: String) {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let day = String(format: "%04d%02d%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday)
        return (day, day + String(format: "T%02d%02d%02dZ", parts.tm_hour, parts.tm_min, parts.tm_sec))
    }

    /// URI-encodes as SigV4 demands: every byte but `A-Z a-z 0-9 - _ . ~` as `%XX`; with
    /// `keepSlash`, `/` too stays (for paths).
    static func encode(_ value: String, keepSlash: Bool = false) -> String {
        var encoded = ""
        for byte in value.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if character.isASCII && (character.isLetter || character.isNumber || "-_.~".contains(character) || (keepSlash && byte == 0x2F)) {
                encoded.append(character)
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }

    private static func hmac(_ text: String, _ key: SymmetricKey) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key))
    }

    private static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
