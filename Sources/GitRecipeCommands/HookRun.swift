import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand.Hook {
    /// `git recipe hook run NAME`: what the installed hooks and the pre-commit framework call.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a hook's check: what the installed hooks and the pre-commit framework call.")

        /// `pre-commit` or `pre-push`.
        @Argument(help: "The hook: pre-commit or pre-push.")
        var name: String

        /// What git passed to the hook, passed on.
        @Argument(parsing: .captureForPassthrough, help: "The arguments git passed to the hook.")
        var arguments: [String] = []

        /// Runs the hook's check; a thrown `HookBlocked` makes git abort.
        func run() throws {
            try Self.check(name, arguments: arguments)
        }

        /// Runs hook `name` with the arguments git passed it; throws ``HookBlocked`` to block.
        static func check(_ name: String, arguments: [String]) throws {
            let repository = try Repository.discover()
            let findings: Findings
            do {
                switch name {
                case "pre-commit":
                    findings = try PreCommitCheck(repository: repository).findings()
                case "pre-push":
                    findings = try PrePushCheck(repository: repository, remote: arguments.first ?? "origin").findings(for: Self.pushedRefs())
                default:
                    throw ValidationError("unknown hook '\(name)'; git-recipe provides: \(HookInstaller.hooks.joined(separator: ", "))")
                }
            } catch let failure as ValidationFailure {
                throw HookBlocked(
                    lines: failure.diagnostics.map(\.description), bypass: name == "pre-push" ? "git push --no-verify" : "git commit --no-verify")
            }
            Terminal.standardError.write(findings.warnings.map { "warning: \($0)\n" }.joined())
            if !findings.problems.isEmpty {
                throw HookBlocked(
                    lines: findings.problems.map { "error: \($0)" }, bypass: name == "pre-push" ? "git push --no-verify" : "git commit --no-verify")
            }
        }

        /// The ref lines git writes to a pre-push hook's stdin; the pre-commit framework
        /// passes the range in PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF instead.
        private static func pushedRefs() -> [String] {
            let environment = ProcessInfo.processInfo.environment
            if let to = environment["PRE_COMMIT_TO_REF"], let from = environment["PRE_COMMIT_FROM_REF"] {
                return ["HEAD \(to) HEAD \(from)"]
            }
            var lines: [String] = []
            while let line = readLine() { lines.append(line) }
            return lines
        }
    }
}
