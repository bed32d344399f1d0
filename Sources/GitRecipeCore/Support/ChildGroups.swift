import Foundation
import Synchronization

/// The process groups of the children running now, so that a signal that ends git-recipe
/// (Ctrl-C, SIGTERM, SIGHUP) ends them too: each child runs in a group of its own (so a
/// terminal's Ctrl-C does not reach it directly), and without this a `curl` or a probe
/// outlived the `lock` that started it.
enum ChildGroups {
    /// The process groups running now.
    private static let running = Mutex<Set<pid_t>>([])
    /// Set when a command records interruptions itself (`run`): the signal then only stops
    /// the children, and the command ends in its own time, recording what it must.
    static let interruptionsRecorded = Atomic<Bool>(false)
    /// Observes the signals once, on the first child.
    private static let installed: Void = {
        for number in [SIGINT, SIGTERM, SIGHUP] { Signals.observe(number) { stopAll(exiting: number) } }
    }()

    /// Records a child process group to stop on a signal.
    static func add(_ pid: pid_t) {
        _ = installed
        running.withLock { _ = $0.insert(pid) }
    }

    /// Forgets a group that has ended.
    static func remove(_ pid: pid_t) {
        running.withLock { _ = $0.remove(pid) }
    }

    /// Kills every recorded group; then, unless a runner records the interruption itself, dies of the signal as it would have.
    private static func stopAll(exiting number: Int32) {
        for pid in running.withLock({ $0 }) { kill(-pid, SIGKILL) }
        guard !interruptionsRecorded.load(ordering: .relaxed) else { return }
        signal(number, SIG_DFL)
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, number)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        raise(number)
    }
}
