import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe trace RECIPE [STEP]`: what each step reads and writes that it does not declare.
    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a recipe's steps under strace in a temporary worktree and list what each reads or writes undeclared.",
            discussion: "The steps of HEAD's commit run with the recipe's seed (and any -p), each under strace -f, in a scratch "
                + "worktree with the data git does not track brought in; nothing is recorded. Each file of the repository a step "
                + "opened for reading that is neither its input nor an earlier step's output, and each file it wrote outside "
                + "its outputs, is listed with the line that declares it. Exit 1 when anything is found, 3 when a step fails."
        )

        @Argument(help: "The recipe to trace.")
        var recipe: String

        @Argument(help: "Trace up to this step (the steps it needs run first).")
        var step: String?

        @Option(name: .customShort("p"), help: "Override a param: -p NAME=VALUE (repeatable).")
        var params: [String] = []

        func run() throws {
            let repository = try Repository.discover()
            guard let head = try repository.commit(named: "HEAD") else { throw UnknownRevision("HEAD") }
            let traces = try Tracer(repository: repository).trace(recipe: recipe, at: head, assignments: params, last: step) {
                Terminal.standardError.write("\($0)\n")
            }
            var found = false
            for trace in traces where step == nil || trace.step == step {
                let lines = trace.report
                found = found || !lines.isEmpty
                if lines.isEmpty { print("step '\(trace.step)': reads and writes only what it declares") }
                for line in lines { print(line) }
            }
            if let failed = traces.last, failed.exit != 0 {
                throw TraceFailed(step: failed.step, exit: failed.exit)
            }
            if found { throw TraceFound() }
        }
    }
}

/// A step read or wrote what it does not declare.
struct TraceFound: RecipeError {
    /// Exit 1: a check failed.
    var exitStatus: ExitStatus { .checkFailed }
    var description: String { "steps touch files they do not declare; declare them as listed above, then: git recipe lock" }
}

/// A traced step failed: what it touched before is listed, its dependents did not run.
struct TraceFailed: RecipeError {
    let step: String
    let exit: Int32
    /// Exit 3, as for a failed run.
    var exitStatus: ExitStatus { .stepFailed }
    var description: String {
        "step '\(step)' exited with status \(exit) under strace; what it touched before is listed above (a step that needs an undeclared file may fail in the trace's clean worktree)"
    }
}
