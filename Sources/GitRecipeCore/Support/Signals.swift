import Foundation
import Synchronization

/// The one place signals are taken over: one dispatch source per signal for the whole
/// process, calling every handler registered for it. A second `signal(SIG_IGN)` after a
/// source exists would silently replace libdispatch's handler and the signal would be lost,
/// so nothing else in git-recipe calls `signal` for a signal it observes.
enum Signals {
    /// `@unchecked Sendable`: `DispatchSourceSignal` is not marked Sendable, and the table
    /// is only ever reached through the `Mutex` below.
    private struct Table: @unchecked Sendable {
        var handlers: [Int32: [@Sendable () -> Void]] = [:]
        var sources: [Int32: DispatchSourceSignal] = [:]
    }

    /// The handlers and sources, behind a lock.
    private static let table = Mutex(Table())

    /// Calls `handler` on a global queue each time `number` arrives, from now on; the
    /// signal no longer has its default action.
    static func observe(_ number: Int32, _ handler: @escaping @Sendable () -> Void) {
        table.withLock { table in
            table.handlers[number, default: []].append(handler)
            guard table.sources[number] == nil else { return }
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                for handler in Signals.table.withLock({ $0.handlers[number] ?? [] }) { handler() }
            }
            source.resume()
            table.sources[number] = source
        }
    }
}
