import CLibGit2

/// A git object id (SHA-1), printed as 40 hex digits.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The twenty bytes, formatted only when printed: an index of ten thousand entries is
    /// read without making ten thousand strings.
    private let head: UInt64
    /// Bytes 8 to 15 of the id.
    private let middle: UInt64
    /// Bytes 16 to 19 of the id.
    private let tail: UInt32

    /// The id libgit2 returned.
    init(_ oid: git_oid) {
        (head, middle, tail) = withUnsafeBytes(of: oid.id) { bytes in
            (
                bytes.loadUnaligned(as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
            )
        }
    }

    /// The id from its twenty bytes, as a file written with ``bytes`` holds them.
    init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 20, "an object id is twenty bytes")
        (head, middle, tail) = (
            bytes.loadUnaligned(as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
        )
    }

    /// Its twenty bytes.
    var bytes: [UInt8] { withUnsafeBytes(of: oid.id) { Array($0) } }

    /// Parses 40 hex digits.
    public init?(hex: String) {
        var oid = git_oid()
        guard hex.utf8.count == Int(GIT_OID_HEXSZ), git_oid_fromstr(&oid, hex) == 0 else { return nil }
        self.init(oid)
    }

    /// The id as libgit2 takes it.
    var oid: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { bytes in
            bytes.storeBytes(of: head, as: UInt64.self)
            bytes.storeBytes(of: middle, toByteOffset: 8, as: UInt64.self)
            bytes.storeBytes(of: tail, toByteOffset: 16, as: UInt32.self)
        }
        return oid
    }

    /// Hex digits, for formatting without Foundation.
    private static let digits = Array("0123456789abcdef".utf8)

    /// The 40-hex-digit form git prints.
    var hex: String {
        withUnsafeBytes(of: oid.id) { bytes in
            String(unsafeUninitializedCapacity: 2 * bytes.count) { buffer in
                for (position, byte) in bytes.enumerated() {
                    buffer[2 * position] = Self.digits[Int(byte >> 4)]
                    buffer[2 * position + 1] = Self.digits[Int(byte & 0xf)]
                }
                return 2 * bytes.count
            }
        }
    }

    /// The 40-digit hex id.
    public var description: String { hex }

    /// The order of the hex forms (byte order), without making them.
    public static func < (a: ObjectID, b: ObjectID) -> Bool {
        (UInt64(bigEndian: a.head), UInt64(bigEndian: a.middle), UInt32(bigEndian: a.tail))
            < (UInt64(bigEndian: b.head), UInt64(bigEndian: b.middle), UInt32(bigEndian: b.tail))
    }
}
