import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe sign RUN…`: signs run records with the user's git signing key.
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign run records with your git signing key (DSSE envelopes of their in-toto statements).",
            discussion: """
                Uses git's own signing setup: gpg.format=ssh with user.signingKey (ssh-keygen -Y sign -n git-recipe), or \
                openpgp (gpg) with user.signingKey. Signatures are kept in refs/notes/recipes-attestations and travel with \
                git recipe push and pull; git recipe verify --signed and show check them. git config recipe.sign true signs \
                every run as it is recorded. Exit status: 0 signed, 1 no signing key or signing failed, 2 unknown run.
                """
        )

        /// The runs to sign.
        @Argument(help: "Runs, sweeps or revisions, named as for show.")
        var names: [String]

        /// Signs every named run.
        func run() throws {
            let repository = try Repository.discover()
            let history = try RunHistory(repository: repository)
            defer { Terminal.warn(history.warnings) }
            var seen: Set<String> = []
            let runs = try names.flatMap { try history.select($0).runs }.filter { seen.insert($0.id).inserted }
            let key = try Attestations(repository: repository).sign(runs)
            for run in runs { print("signed \(run.id) (key \(key))") }
        }
    }
}
