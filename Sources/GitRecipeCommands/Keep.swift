import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe keep RUN…`: pins runs whose outputs `gc` never drops.
    struct Keep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin runs: gc never drops the outputs they need.",
            discussion: "Pins are local to this clone (.git/recipes/pinned). With no RUN, lists the pinned runs."
        )

        /// The runs to pin (or unpin).
        @Argument(help: "Runs, sweeps or revisions, named as for show.")
        var names: [String] = []

        /// Unpin instead.
        @Flag(help: "Unpin the runs instead.")
        var drop = false

        /// Pins or unpins the named runs, or lists the pinned ones.
        func run() throws {
            let repository = try Repository.discover()
            let kept = KeptRuns(repository: repository)
            guard !names.isEmpty else {
                for id in kept.pinned() { print(id) }
                return
            }
            let history = try RunHistory(repository: repository)
            defer { Terminal.warn(history.warnings) }
            let ids = try names.flatMap { try history.select($0).runs.map(\.id) }
            try kept.pin(ids, drop: drop)
            for id in ids { print("\(drop ? "unpinned" : "pinned") \(id)") }
        }
    }
}
