import CLibGit2

/// A libgit2 call that failed, with what git-recipe was doing and libgit2's own message.
struct GitError: Error, CustomStringConvertible, Sendable {
    /// What was being done, phrased to follow "could not": "read HEAD".
    let operation: String
    /// libgit2's return code (`GIT_ENOTFOUND`, `GIT_ELOCKED`, …).
    public let code: Int32
    /// libgit2's message for the failure, or a generic one when it left none.
    public let message: String

    /// `could not OPERATION: MESSAGE`.
    public var description: String { "could not \(operation): \(message)" }
}

/// The one way into libgit2: runs `call` and turns a negative return into a ``GitError``
/// that carries `operation` and libgit2's last error message.
@discardableResult
func check(_ operation: @autoclosure () -> String, _ call: () -> Int32) throws(GitError) -> Int32 {
    LibGit2.initialize()
    let result = call()
    guard result >= 0 else {
        let message = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } }
        throw GitError(operation: operation(), code: result, message: message ?? "libgit2 error \(result)")
    }
    return result
}

/// A lookup: `true` when `call` found what it looked for, `false` when libgit2 answered
/// with one of the `absent` codes (by default `GIT_ENOTFOUND`); any other failure throws.
func checkFound(
    _ operation: @autoclosure () -> String, absent: [git_error_code] = [GIT_ENOTFOUND], _ call: () -> Int32
) throws(GitError) -> Bool {
    LibGit2.initialize()
    let result = call()
    if absent.contains(where: { $0.rawValue == result }) { return false }
    try check(operation()) { result }
    return true
}

/// One step of a libgit2 iterator: `true` for an item, `false` at the end (`GIT_ITEROVER`);
/// any other failure throws.
func checkNext(_ operation: @autoclosure () -> String, _ call: () -> Int32) throws(GitError) -> Bool {
    try checkFound(operation(), absent: [GIT_ITEROVER], call)
}

/// The process-wide libgit2 runtime.
enum LibGit2 {
    /// Objects are not hashed again on every read, as git does not: SHA-1 with collision
    /// detection over each tree and blob read costs the hook milliseconds, and damage is
    /// `git fsck`'s to find.
    private static let initialized: Bool = git_libgit2_init() > 0 && git_recipe_set_strict_hash_verification(0) == 0

    /// Initialises libgit2 once per process; it is never shut down in the CLI.
    static func initialize() { _ = initialized }

    /// The linked libgit2's version, as recorded in run manifests.
    static var version: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        git_libgit2_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }
}
