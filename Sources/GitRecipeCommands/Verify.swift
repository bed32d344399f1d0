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
                + "is checked where present and otherwise reported as not checkable here. Exit 1 with one line per violation."
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

        /// Checks every commit of the range as the hooks would, and lists every violation.
        func run() throws {
            let repository = try Repository.discover()
            guard let revisions = try repository.revisions(range) else { throw UnknownRevision(range) }
            let (findings, commits) = try Verifier(repository: repository, recipe: recipe, requireRun: requireRun).findings(revisions)
            Terminal.standardError.write(findings.warnings.map { "warning: \($0)\n" }.joined())
            guard findings.problems.isEmpty else { throw VerifyFailed(problems: findings.problems) }
            print("verified \(commits) commit\(commits == 1 ? "" : "s"): locks fresh" + (requireRun ? ", runs recorded" : ""))
        }
    }
}
