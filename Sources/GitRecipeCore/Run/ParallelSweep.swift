import Foundation
import Synchronization

extension Runner {
    /// The runs of a sweep or a grid, several at once : `workers` lanes
    /// each take the next run until none is left, every step drawing on the executor's cores.
    /// The first lane runs the first one in this checkout at once — the checkout keeps its
    /// outputs, as a sweep run one seed at a time leaves them — then goes on in a scratch
    /// worktree of its own; each other lane first makes its scratch worktree at the run's
    /// commit (checked as any run is), on its own thread with its own handle on the
    /// repository. Every seed's outputs are in the store; the worktrees are removed at the end.
    /// With `inCheckout` false every run happens in a scratch worktree, and the checkout's
    /// outputs stay as they were (runs whose params files carry overrides).
    func parallelSweep(
        _ members: [Member], preflight: Preflight, on executor: any StepExecutor, useCache: Bool, workers: Int, inCheckout: Bool
    ) throws -> [Outcome] {
        let (interruption, events, recipe) = (self.interruption, self.events, pipeline.recipe.name)
        let (workTree, commit, allowDrift) = (repository.workTree, preflight.commit.commit, !preflight.drift.isEmpty)
        let next = Mutex(inCheckout ? 1 : 0)
        let outcomes = Mutex<[Int: Outcome]>([:])
        let failure = Mutex<(any Error)?>(nil)
        let worktrees = Mutex<[Lane]>([])
        defer { for lane in worktrees.withLock({ $0 }) { lane.worktree?.remove() } }

        let going = { @Sendable () in failure.withLock { $0 == nil } && !interruption.isRequested }
        let fail = { @Sendable (error: any Error) in failure.withLock { $0 = $0 ?? error } }
        // A lane in a new scratch worktree, with a handle on the repository of its own.
        let scratchLane = { @Sendable () throws -> Lane in
            let original = try Repository.discover(from: workTree, environment: [:])
            let worktree = try ScratchWorktree(of: original, at: commit)
            do {
                let scratch = try worktree.load(recipe, from: original, announce: { _ in })
                let runner = scratch.runner(interruption: interruption, events: events)
                let lane = Lane(runner: runner, preflight: try runner.preflight(allowDrift: allowDrift), worktree: worktree)
                worktrees.withLock { $0.append(lane) }
                return lane
            } catch {
                worktree.remove()
                throw error
            }
        }
        // Runs the member at `index` in `lane`.
        let one = { @Sendable (lane: Lane, index: Int) in
            let member = members[index]
            do {
                let outcome = try lane.runner.run(
                    member.settings, seed: member.seed, sweep: member.sweep, grid: member.grid, preflight: lane.preflight, on: executor,
                    useCache: useCache, label: member.label)
                outcomes.withLock { $0[index] = outcome }
                events(.finished(outcome))
            } catch {
                fail(error)
            }
        }
        // Takes the members left, in order, in a worktree made when there is one to take.
        let rest = { @Sendable () in
            var lane: Lane?
            while going() {
                let taken = next.withLock { index -> Int? in
                    guard index < members.count else { return nil }
                    index += 1
                    return index - 1
                }
                guard let taken else { return }
                do {
                    let ready = try lane ?? scratchLane()
                    lane = ready
                    one(ready, taken)
                } catch {
                    fail(error)
                }
            }
        }
        let others = DispatchGroup()
        for _ in 1..<workers { onOwnThread(group: others, rest) }
        if inCheckout { one(Lane(runner: self, preflight: preflight, worktree: nil), 0) }
        rest()
        others.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        return outcomes.withLock { found in members.indices.compactMap { found[$0] } }
    }

    /// A runner and its checked preflight, used by one thread at a time: a lane of a sweep
    /// whose seeds run at once.
    struct Lane: @unchecked Sendable {
        /// The runner, in the checkout or in a scratch worktree.
        let runner: Runner
        /// Its preflight.
        let preflight: Preflight
        /// Its scratch worktree; `nil` for the checkout.
        let worktree: ScratchWorktree?
    }
}
