import Foundation
import Synchronization

/// The process groups of the children running now, so that a signal that ends git-recipe
/// (Ctrl-C, SIGTERM, SIGHUP) ends them too: each child runs in a group of its own (so a
/// terminal's Ctrl-C does not reach it directly), and without this a `curl` or a probe
/// outlived the `lock` that started it.
public enum ChildGroups {
    /// The process groups running now.
    private static let running = Mutex<Set<pid_t>>([])
    /// Set when a command records interruptions itself (`run`): the signal then only stops
    /// the children, and the command ends in its own time, recording what it must.
    static let interruptionsRecorded = Atomic<Bool>(false)
    /// The signal git-recipe is dying of, once one arrived (0 before): set before the
    /// children are killed, so a thread that sees a child die of it does not exit on its own.
    private static let fatal = Atomic<Int32>(0)
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
        let dying = !interruptionsRecorded.load(ordering: .sequentiallyConsistent)
        if dying { fatal.store(number, ordering: .sequentiallyConsistent) }
        for pid in running.withLock({ $0 }) { kill(-pid, SIGKILL) }
        if dying { die(of: number) }
    }

    /// Ends the process with `status` — or, when a signal is ending it, of that signal: a
    /// command that saw its child killed by the handler must not exit first with an error
    /// status of its own, hiding the signal from whoever sent it.
    public static func exit(_ status: Int32) -> Never {
        let number = fatal.load(ordering: .sequentiallyConsistent)
        if number != 0 { die(of: number) }
        Foundation.exit(status)
    }

    /// Dies of `number` as the process would have without a handler.
    private static func die(of number: Int32) {
        signal(number, SIG_DFL)
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, number)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        raise(number)
    }
}
