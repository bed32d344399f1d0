/// Why a repository could not be used, phrased so the user knows what to run next.
enum RepositoryError: Error, CustomStringConvertible, Sendable, Equatable {
    case notFound(path: String)
    case bare(path: String)
    case unsupportedObjectFormat(path: String)
    case notOwned(path: String)

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .notFound(let path):
            "not a git repository (or any parent directory): '\(path)'; run: git init"
        case .bare(let path):
            "'\(path)' is a bare repository, and git recipe needs a work tree; run it in a clone (git clone \(path))"
        case .unsupportedObjectFormat(let path):
            "'\(path)' uses the sha256 object format, which git-recipe (libgit2 \(LibGit2.version)) cannot read; use a sha1 repository"
        case .notOwned(let path):
            "'\(path)' is owned by another user, so git refuses to trust it; if you do, run: git config --global --add safe.directory '\(path)'"
        }
    }
}

extension RepositoryError: RecipeError {
    /// Exit 2: git-recipe cannot work here.
    public var exitStatus: ExitStatus { .invalidInput }
}

extension IdentityError: RecipeError {
    /// Exit 1: git needs to know who you are first.
    public var exitStatus: ExitStatus { .checkFailed }
}
