import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// Scratch worktrees made and removed by many threads at once, as a parallel sweep on
/// Slurm does (one per seed, all at once).
@Suite("Scratch worktrees")
struct ScratchWorktreeTests {
    /// `git worktree add` reads every other worktree's administrative files and fails on one
    /// that another `add` has made but not yet filled ("failed to read
    /// .git/worktrees/ID/commondir"): a 20-seed sweep on Slurm lost a seed to it.
    @Test func manyMadeAtOnceAllSucceedAndAreRemoved() throws {
        let repo = try TemporaryGitRepository(initialCommit: true)
        let repository = try Repository.discover(from: repo.path, environment: [:])
        let commit = try #require(try repository.head()).commit
        for _ in 0..<3 {
            // A thread each, as the sweep's workers are: not a pool capped at the cores.
            let made = Slots<Result<ScratchWorktree, any Error>>(count: 24)
            let group = DispatchGroup()
            for index in 0..<24 {
                group.enter()
                Thread {
                    made[index] = Result { try ScratchWorktree(of: try Repository.discover(from: repo.path, environment: [:]), at: commit) }
                    group.leave()
                }.start()
            }
            group.wait()
            let worktrees = try made.values.map { try #require($0).get() }
            #expect(Set(worktrees.map(\.path)).count == 24)
            for worktree in worktrees { worktree.remove() }
        }
        #expect(try repo.git("worktree", "list").split(separator: "\n").count == 1)
    }
}
