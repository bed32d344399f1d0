import ArgumentParser
import Foundation
import GitRecipeCore

/// `git recipe`: the root command. git runs the `git-recipe` executable for `git recipe …`.
public struct GitRecipeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "git-recipe",
        abstract: "Reproducible machine-learning experiments, kept in git.",
        discussion: "Recipes live in .recipes/; runs are recorded as notes under refs/notes/recipes. See git-recipe(1).",
        version: GitRecipeVersion.current,
        subcommands: [
            Init.self, Validate.self, Lock.self, Status.self, Run.self, Logs.self, Log.self, Show.self, Diff.self, Verify.self, Reproduce.self,
            Report.self, Dashboard.self, Trace.self, Sign.self, Export.self, Cancel.self, MergeDriver.self, Checkout.self, Promote.self, Import.self,
            Test.self, Components.self, Keep.self,
            Gc.self,
            Push.self,
            Pull.self, Hook.self,
        ]
    )

    public init() {}

    /// Parses the arguments, runs the command, and exits with the status docs/reference.md
    /// gives: 0 success, 1 a check failed, 2 invalid input (arguments included), 3 a step
    /// failed, 130 interrupted.
    public static func runAsMain(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        Repository.prepareLibrary()
        // Every way out waits for libgit2's start first: `--version` or a usage error ends
        // before it has finished, and a process that exited meanwhile could crash.
        func end(_ status: Int32) -> Never {
            Repository.awaitLibrary()
            ChildGroups.exit(status)
        }
        do {
            // A hook runs on every commit and push: `hook run NAME ARGS…` goes straight to the
            // check, skipping the parser built for every command (about 3 ms of its budget).
            if arguments.count >= 3, arguments[0] == "hook", arguments[1] == "run", HookInstaller.hooks.contains(arguments[2]),
                !arguments.contains(where: { ["-h", "--help", "--"].contains($0) })
            {
                try Hook.Run.check(arguments[2], arguments: Array(arguments.dropFirst(3)))
                end(ExitStatus.success.rawValue)
            }
            var command = try parseAsRoot(arguments)
            try command.run()
            end(ExitStatus.success.rawValue)
        } catch let error as any RecipeError {
            Terminal.standardError.write(error.report + "\n")
            end(error.exitStatus.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                end(ExitStatus.success.rawValue)
            }
            if code == .validationFailure {
                Terminal.standardError.write(fullMessage(for: error) + "\n")
                end(ExitStatus.invalidInput.rawValue)
            }
            Terminal.standardError.write("error: \(error)\n")
            end(ExitStatus.checkFailed.rawValue)
        }
    }
}
