/// Results written by concurrent workers, each at its own index: no two workers share a
/// slot, so no lock is needed. `@unchecked Sendable` on that condition.
///
/// The slots are one allocation written through its pointer. An array would not do: its
/// `withUnsafeMutableBufferPointer` moves the array out of the property for the duration
/// of the call, so a second worker writing meanwhile finds it empty.
final class Slots<Value>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Value?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    subscript(index: Int) -> Value? {
        get { slots[index] }
        set { slots[index] = newValue }
    }

    /// Every slot's value, once all are written.
    var values: [Value] { slots.map { $0! } }
}
