import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe hook install|uninstall|run NAME`.
    struct Hook: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install, remove or run the git hooks that block unreproducible commits.",
            subcommands: [Install.self, Uninstall.self, Run.self]
        )

        struct Install: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Install the hooks (core.hooksPath if set, else .git/hooks); an existing hook is kept and runs first.")

            @Flag(help: "Chain a hook that could not be kept safely, replacing an earlier saved one.")
            var force = false

            func run() throws {
                let repository = try Repository.discover()
                let installer = try HookInstaller(repository: repository)
                try report(installer.install(force: force), in: installer.directory)
                // A clone that only installs hooks must still keep its runs across an amend.
                try repository.configureNotesSharing()
            }
        }

        struct Uninstall: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove the hooks and put back what was there before.")

            func run() throws {
                let installer = try HookInstaller(repository: Repository.discover())
                try report(installer.uninstall(), in: installer.directory)
            }
        }

        struct Run: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Run a hook's check: what the installed hooks and the pre-commit framework call.")

            @Argument(help: "The hook: pre-commit or pre-push.")
            var name: String

            @Argument(parsing: .captureForPassthrough, help: "The arguments git passed to the hook.")
            var arguments: [String] = []

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
                    throw HookBlocked(lines: failure.diagnostics.map(\.description), bypass: name == "pre-push" ? "git push --no-verify" : "git commit --no-verify")
                }
                Terminal.standardError.write(findings.warnings.map { "warning: \($0)\n" }.joined())
                if !findings.problems.isEmpty {
                    throw HookBlocked(lines: findings.problems.map { "error: \($0)" }, bypass: name == "pre-push" ? "git push --no-verify" : "git commit --no-verify")
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
}

/// Prints what installing or uninstalling did to each hook.
func report(_ outcomes: [(hook: String, outcome: HookInstaller.Outcome)], in directory: String) throws {
    var leftAlone = false
    for (hook, outcome) in outcomes {
        switch outcome {
        case .installed: print("installed \(directory)/\(hook)")
        case .chained: print("installed \(directory)/\(hook); the hook that was there runs first (\(hook).before-git-recipe)")
        case .updated: print("updated \(directory)/\(hook) to this version's script")
        case .alreadyInstalled: print("\(directory)/\(hook) is already installed")
        case .leftAlone(let reason):
            Terminal.standardError.write("warning: left \(directory)/\(hook) alone: \(reason)\n")
            leftAlone = true
        case .removed: print("removed \(directory)/\(hook)")
        case .restored: print("removed \(directory)/\(hook) and put back the hook that was there before")
        case .notOurs: print("\(directory)/\(hook) is not git-recipe's; left as it is")
        }
    }
    if leftAlone { throw HookBlocked(lines: ["error: some hooks were not installed (see the warnings)"]) }
}

/// A hook's check failed, or installation was refused: exit 1, which blocks the commit or push.
struct HookBlocked: RecipeError {
    let lines: [String]
    /// How to go ahead anyway, knowingly.
    var bypass: String?

    var exitStatus: ExitStatus { .checkFailed }
    var description: String { lines.joined(separator: "\n") }
    var report: String { description + (bypass.map { "\n(to go ahead anyway, knowingly: \($0))" } ?? "") }
}
