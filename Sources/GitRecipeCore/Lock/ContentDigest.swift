import Crypto
import Foundation

/// A SHA-256 content digest, written `sha256:<64 hex digits>` in locks and manifests.
/// Held as its 32 bytes, so a hundred thousand of them cost no allocations.
public struct ContentDigest: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes as four words: compared and hashed without an allocation.
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// Reads `sha256:` and 64 hex digits; `nil` for anything else.
    init(_ digest: SHA256.Digest) {
        words = (0, 0, 0, 0)
        digest.withUnsafeBytes { source in
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: source) }
        }
    }

    /// The digest whose 32 bytes are `bytes`.
    init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 32)
        words = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
    }

    /// Copies the 32 bytes into `buffer`.
    func writeBytes(into buffer: UnsafeMutableRawBufferPointer) {
        withUnsafeBytes(of: words) { buffer.copyMemory(from: $0) }
    }

    /// Calls `body` with the 32 bytes.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: words, body)
    }

    /// Parses 64 hex digits.
    public init?(hex: String) {
        var hex = hex
        guard let digest = hex.withUTF8({ Self(hexDigits: UnsafeRawBufferPointer($0)[...]) }) else { return nil }
        self = digest
    }

    /// Parses 64 hex digits given as UTF-8 bytes.
    init?(hexDigits digits: Slice<UnsafeRawBufferPointer>) {
        guard digits.count == 64 else { return nil }
        words = (0, 0, 0, 0)
        let start = digits.startIndex
        let valid = withUnsafeMutableBytes(of: &words) { bytes -> Bool in
            for index in 0..<32 {
                guard let high = Self.value(of: digits[start + 2 * index]),
                    let low = Self.value(of: digits[start + 2 * index + 1])
                else { return false }
                bytes[index] = high << 4 | low
            }
            return true
        }
        guard valid else { return nil }
    }

    /// Parses `sha256:<hex>`.
    public init?(_ text: String) {
        guard text.hasPrefix("sha256:") else { return nil }
        self.init(hex: String(text.dropFirst(7)))
    }

    /// The value of a lowercase hex digit; `nil` for anything else.
    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case 48...57: digit - 48
        case 97...102: digit - 87
        default: nil
        }
    }

    /// The digest of `bytes`.
    public static func of<Bytes: DataProtocol>(_ bytes: Bytes) -> ContentDigest {
        ContentDigest(SHA256.hash(data: bytes))
    }

    /// The 64 lower-case hex digits.
    var hex: String {
        String(unsafeUninitializedCapacity: 64) { buffer in
            writeHex(into: UnsafeMutableRawBufferPointer(buffer))
            return 64
        }
    }

    /// Writes the 64 hex digits into `buffer`, which holds at least 64 bytes.
    func writeHex(into buffer: UnsafeMutableRawBufferPointer) {
        withUnsafeBytes(of: words) { bytes in
            let digits: StaticString = "0123456789abcdef"
            let table = digits.utf8Start
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = table[Int(byte >> 4)]
                buffer[2 * index + 1] = table[Int(byte & 0xf)]
            }
        }
    }

    /// `sha256:` and the hex digest, as locks and manifests write it.
    public var description: String { "sha256:\(hex)" }

    /// The first 12 hex digits, for messages.
    var short: String { "sha256:\(hex.prefix(12))" }

    /// Equal digests have equal bytes.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    /// Hashes the digest's bytes.
    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: words) { hasher.combine(bytes: $0) }
    }
}
