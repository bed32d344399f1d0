import ArgumentParser
import Foundation
import GitRecipeCore

/// How review commands print: for a terminal, for a pull request, for a program.
enum ReviewFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json
}

/// `--refresh-probes`, for every command that reads probe outputs.
struct ProbeOptions: ParsableArguments {
    /// Run every probe instead of reading the probe cache.
    @Flag(help: "Run every probe instead of taking its output from the probe cache (.git/recipes/probe-cache).")
    var refreshProbes = false

    /// How probes run for this command.
    var mode: ProbeMode { refreshProbes ? .refreshed : .cached }
}

/// The help of `--executor`, shared by `run` and `reproduce`.
enum ExecutorHelp {
    /// The help of `--executor`.
    static let text = "Where steps run: local, or slurm (each step a batch job). Default: git config recipe.executor, else executors.default."
}
