import Foundation
import Synchronization

/// Turns Ctrl-C and SIGTERM into a request to stop: every running step's whole process
/// group is asked to stop, and the runner records the run as cancelled instead of dying
/// mid-way.
final class Interruption: Sendable {
    /// Whether a stop was asked for.
    private let requested = Atomic<Bool>(false)
    /// The steps running now, which a stop reaches, by their process group.
    private let current = Mutex<[pid_t: StepProcess]>([:])

    /// Takes over SIGINT and SIGTERM for the rest of the process.
    static func install() -> Interruption {
        let interruption = Interruption()
        ChildGroups.interruptionsRecorded.store(true, ordering: .relaxed)
        // A parent may have started us with these blocked; they must reach us.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for number in [SIGINT, SIGTERM] {
            Signals.observe(number) { [weak interruption] in interruption?.request() }
        }
        return interruption
    }

    /// Whether Ctrl-C or SIGTERM has arrived.
    var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Records the request and stops every running step.
    private func request() {
        requested.store(true, ordering: .relaxed)
        current.withLock { running in
            for process in running.values { process.terminate() }
        }
    }

    /// Marks `process` as running; a stop requested meanwhile reaches it.
    func started(_ process: StepProcess) {
        current.withLock { $0[process.pid] = process }
        if isRequested { process.terminate() }
    }

    /// Marks `process` as ended.
    func ended(_ process: StepProcess) {
        _ = current.withLock { $0.removeValue(forKey: process.pid) }
    }
}
