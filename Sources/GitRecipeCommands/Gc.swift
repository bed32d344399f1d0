import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe gc`: applies `artifacts` to the store.
    struct Gc: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop stored outputs the artifacts policy does not keep; pinned runs' are always kept.",
            discussion: "artifacts.keep in .recipes/config.yaml: all (default), latest (each recipe's latest succeeded run) or none; "
                + "artifacts.max_size drops the oldest unpinned runs' outputs beyond it. Snapshots (run --snapshot) older than "
                + "snapshots.keep_days (30) with no pinned run lose their refs; their run records stay. The directories failed "
                + "component tests kept for their logs are removed."
        )

        /// Say what would be freed; remove nothing.
        @Flag(help: "Say what would be freed; remove nothing.")
        var dryRun = false

        /// Collects the store and says what it freed.
        func run() throws {
            let repository = try Repository.discover()
            let config = try Project.loadConfig(from: WorkingTreeFiles(root: repository.workTree))
            let history = try RunHistory(repository: repository)
            defer { Terminal.warn(history.warnings) }
            let kept = KeptRuns(repository: repository)
            let snapshots = try Snapshot.collect(
                in: repository, keepDays: config.snapshots.keepDays, pinned: Set(kept.pinned()), history: history, dryRun: dryRun)
            for id in snapshots { print("\(dryRun ? "would drop" : "dropped") snapshot \(id) (older than \(config.snapshots.keepDays) days)") }
            let tests = try ComponentTesting.collectKept(in: repository, dryRun: dryRun)
            if !tests.isEmpty {
                print(
                    "\(dryRun ? "would remove" : "removed") \(tests.count) failed component test director\(tests.count == 1 ? "y" : "ies") (git recipe test)"
                )
            }
            let result = try kept.collect(config.artifacts, history: history, dryRun: dryRun)
            let size = ByteCount.text(result.freedBytes)
            print(
                "\(dryRun ? "would free" : "freed") \(result.freedObjects) object\(result.freedObjects == 1 ? "" : "s"), \(size); "
                    + "kept the outputs of \(result.keptRuns) run\(result.keptRuns == 1 ? "" : "s")")
        }
    }
}
