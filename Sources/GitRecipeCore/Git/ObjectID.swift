import CLibGit2

/// A git object id (SHA-1), printed as 40 hex digits.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    /// The 40-hex-digit form git prints.
    public let hex: String

    init(_ oid: git_oid) {
        // git_oid_tostr_s writes to a per-thread buffer libgit2 sets up in git_libgit2_init.
        LibGit2.initialize()
        var oid = oid
        hex = String(cString: git_oid_tostr_s(&oid))
    }

    /// Parses 40 hex digits.
    public init?(hex: String) {
        var oid = git_oid()
        guard hex.utf8.count == Int(GIT_OID_HEXSZ), git_oid_fromstr(&oid, hex) == 0 else { return nil }
        self.init(oid)
    }

    /// The id as libgit2 takes it.
    var oid: git_oid {
        var oid = git_oid()
        git_oid_fromstr(&oid, hex)
        return oid
    }

    public var description: String { hex }
}
