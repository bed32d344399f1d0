import CLibGit2

/// A git object id (SHA-1), printed as 40 hex digits.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    /// The 40-hex-digit form git prints.
    public let hex: String

    init(_ oid: git_oid) {
        var oid = oid
        hex = String(cString: git_oid_tostr_s(&oid))
    }

    public var description: String { hex }
}
