import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe verify [RANGE]`: the CI gate.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every commit's locks are fresh for its own tree (and, with --require-run, that runs exist).",
            discussion: "REV checks that commit and every recipe in it; A..B or A...B checks each commit of the range "
                + "for the recipes it touches. Judged from the commits' blobs, without a checkout; data git does not track "
                + "is checked where present and otherwise reported as not checkable here. With --claims, each recipe's claims "
                + "(claims: in the recipe at the tip) are judged from the recorded runs with Welch's t, and one that the runs do "
                + "not support is a violation. With --signed, signatures are checked as git checks signed commits: "
                + "ssh against gpg.ssh.allowedSignersFile, openpgp against the keyring. Exit 1 with one line per violation."
        )

        /// The commits to verify: a revision or a range; HEAD when none.
        @Argument(help: "REV, A..B or A...B (default: HEAD).")
        var range = "HEAD"

        /// Only this recipe.
        @Option(help: "Only this recipe.")
        var recipe: String?

        /// Demand a succeeded run on each commit that changed a recipe.
        @Flag(help: "Each recipe checked needs a succeeded run for its lock at the tip, recorded on any commit.")
        var requireRun = false

        /// Demand signed runs.
        @Flag(
            help:
                "Like --require-run, and the run relied on must carry a valid signature by an allowed signer; every signature on the range's runs must be valid."
        )
        var signed = false

        /// Judge the recipes' claims at the tip from the recorded runs.
        @Flag(help: "Judge each recipe's claims at the tip from the recorded runs; one not supported fails the check.")
        var claims = false

        /// Checks every commit of the range as the hooks would, and lists every violation.
        func run() throws {
            let repository = try Repository.discover()
            guard let revisions = try repository.revisions(range) else { throw UnknownRevision(range) }
            let (findings, commits) = try Verifier(repository: repository, recipe: recipe, requireRun: requireRun, signed: signed).findings(revisions)
            Terminal.standardError.write(findings.warnings.map { "warning: \($0)\n" }.joined())
            var problems = findings.problems
            var judged = 0
            if claims {
                let history = try RunHistory(repository: repository)
                let judgements = try ClaimCheck(history: history).judge(at: revisions.tip, recipe: recipe)
                Terminal.warn(history.warnings)
                for judgement in judgements where judgement.supported { print("\(judgement.recipe): \(judgement.text)") }
                problems += judgements.filter { !$0.supported }.map { "\($0.recipe): \($0.text)" }
                judged = judgements.count
            }
            guard problems.isEmpty else { throw VerifyFailed(problems: problems) }
            print(
                "verified \(commits) commit\(commits == 1 ? "" : "s"): locks fresh"
                    + (signed ? ", runs recorded and signed" : requireRun ? ", runs recorded" : "")
                    + (claims ? ", \(judged) claim\(judged == 1 ? "" : "s") supported" : ""))
        }
    }
}
