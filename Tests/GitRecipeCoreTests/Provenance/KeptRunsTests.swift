import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// Pins (`git recipe keep`), made by several processes at once: each is the user's word that
/// `gc` must keep a run's outputs, so none may be lost to another being written.
@Suite("Kept runs")
struct KeptRunsTests {
    /// Pins made at once are all kept. The pins file was read, changed and rewritten whole
    /// with nothing held, so a pin made meanwhile was overwritten and `gc` would have freed
    /// that run's outputs.
    @Test func pinsMadeAtOnceAreAllKept() throws {
        let repo = try TemporaryGitRepository(initialCommit: true)
        let threads = 8
        let rounds = 20
        let outcomes = Slots<Result<Void, any Error>>(count: threads)
        let group = DispatchGroup()
        for thread in 0..<threads {
            group.enter()
            Thread {
                outcomes[thread] = Result {
                    // A repository handle per thread, as each `keep` process has its own.
                    let kept = KeptRuns(repository: try Repository.discover(from: repo.path, environment: [:]))
                    for round in 0..<rounds { try kept.pin(["run-\(thread)-\(round)"]) }
                }
                group.leave()
            }.start()
        }
        group.wait()
        for outcome in outcomes.values { try outcome.get() }
        let pinned = KeptRuns(repository: try Repository.discover(from: repo.path, environment: [:])).pinned()
        #expect(pinned.count == threads * rounds, "\(threads * rounds - pinned.count) pins lost")
    }
}
