import Foundation

/// Runs `body` on a thread of its own, inside `group` when one is given: for work that
/// blocks — reading a child's pipe, waiting for a process, running a whole run of a sweep.
/// GCD's global queues on Linux keep about one thread per core and notice only late (half
/// a second or more) that one is blocked, so blocking work queued there holds up whatever
/// waits behind it.
func onOwnThread(group: DispatchGroup? = nil, _ body: @escaping @Sendable () -> Void) {
    group?.enter()
    let thread = Thread {
        body()
        group?.leave()
    }
    thread.start()
}
