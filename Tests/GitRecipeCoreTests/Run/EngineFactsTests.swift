import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// `.git/recipes/engine-facts`, written by several threads at once as a run asks the engine
/// its version and each image's id together.
@Suite("Engine facts")
struct EngineFactsTests {
    /// Every fact remembered at once is kept: CI lost an image's id to the engine's version,
    /// written a moment later from the same empty file, and the next run, finding no id, asked
    /// the engine about an image removed since and was refused instead of failing its step.
    @Test func factsRememberedAtOnceAreAllKept() throws {
        let repo = try TemporaryGitRepository(initialCommit: true)
        let facts = EngineFacts(repository: try Repository.discover(from: repo.path, environment: [:]))
        let threads = 8
        let rounds = 25
        let group = DispatchGroup()
        for thread in 0..<threads {
            group.enter()
            Thread {
                for round in 0..<rounds { facts.update { $0["fact \(thread) \(round)"] = "\(thread * rounds + round)" } }
                group.leave()
            }.start()
        }
        group.wait()
        let kept = facts.facts()
        #expect(kept.count == threads * rounds, "\(threads * rounds - kept.count) facts lost")
        #expect(kept["fact 7 24"] == "199")
    }
}
