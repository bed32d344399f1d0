import Dispatch
import Synchronization

/// Results written by concurrent workers, each at its own index: no two workers share a
/// slot, so no lock is needed. `@unchecked Sendable` on that condition.
///
/// The slots are one allocation written through its pointer. An array would not do: its
/// `withUnsafeMutableBufferPointer` moves the array out of the property for the duration
/// of the call, so a second worker writing meanwhile finds it empty.
final class Slots<Value>: @unchecked Sendable {
    /// One optional value per index.
    private let slots: UnsafeMutableBufferPointer<Value?>

    /// `count` empty slots.
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    /// The slot at `index`.
    subscript(index: Int) -> Value? {
        get { slots[index] }
        set { slots[index] = newValue }
    }

    /// Every slot's value, once all are written: `concurrentMap` writes each before it
    /// reads them, so an empty slot is a bug in it, not a failure to handle.
    var values: [Value] { slots.map { slot in slot ?? { preconditionFailure("a slot was read before it was written") }() } }
}

/// `transform` applied to each of `0..<count` on up to `workers` threads, results in index
/// order. Each worker makes its `state` once (a read buffer, a repository handle: what must
/// not be shared between threads) and takes the next index from a shared counter, so one
/// slow item does not hold the others back. The workers are threads of their own (this one
/// and `workers - 1` more), not GCD's: a worker may block on a process or the network, and
/// `concurrentPerform` on Linux runs only one iteration per core at a time.
func concurrentMap<State, Value>(
    _ count: Int, workers: Int, state makeState: @escaping @Sendable () -> State,
    transform: @escaping @Sendable (inout State, Int) -> Value
) -> [Value] {
    let results = Slots<Value>(count: count)
    let next = Atomic<Int>(0)
    let work = { @Sendable in
        var state = makeState()
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < count else { return }
            results[index] = transform(&state, index)
        }
    }
    let others = DispatchGroup()
    for _ in 1..<max(1, min(workers, count)) { onOwnThread(group: others, work) }
    work()
    others.wait()
    return results.values
}

/// `body` for each of `items` on up to `workers` threads; every item is tried, then the
/// first failure in item order is thrown (what succeeded stays done).
func concurrentForEach<Item: Sendable, Failure: Error>(
    _ items: [Item], workers: Int, _ body: @escaping @Sendable (Item) throws(Failure) -> Void
) throws(Failure) {
    let failures = concurrentMap(
        items.count, workers: workers, state: {},
        transform: { _, index -> Failure? in
            do throws(Failure) {
                try body(items[index])
                return nil
            } catch {
                return error
            }
        })
    if let failure = failures.compactMap({ $0 }).first { throw failure }
}
