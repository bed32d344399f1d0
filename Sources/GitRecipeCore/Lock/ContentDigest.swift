import Crypto

/// A SHA-256 content digest, written `sha256:<64 hex digits>` in locks and manifests.
public struct ContentDigest: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 64 lower-case hex digits.
    public let hex: String

    public init(hex: String) {
        self.hex = hex
    }

    init(_ digest: SHA256.Digest) {
        hex = digest.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xf)]], as: UTF8.self)
        }.joined()
    }

    /// Parses `sha256:<hex>`.
    public init?(_ text: String) {
        guard text.hasPrefix("sha256:"), text.utf8.count == 71,
              text.utf8.dropFirst(7).allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        hex = String(text.dropFirst(7))
    }

    /// The digest of `bytes`.
    public static func of<Bytes: DataProtocol>(_ bytes: Bytes) -> ContentDigest {
        ContentDigest(SHA256.hash(data: bytes))
    }

    public var description: String { "sha256:\(hex)" }

    /// The first 12 hex digits, for messages.
    public var short: String { "sha256:\(hex.prefix(12))" }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.hex < rhs.hex }
}

import Foundation
