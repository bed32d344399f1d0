/// Results written by concurrent workers, each at its own index: no two workers share a
/// slot, so no lock is needed. `@unchecked Sendable` on that condition.
final class Slots<Value>: @unchecked Sendable {
    private var slots: [Value?]

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    subscript(index: Int) -> Value? {
        get { slots[index] }
        set { slots.withUnsafeMutableBufferPointer { $0[index] = newValue } }
    }

    /// Every slot's value, once all are written.
    var values: [Value] { slots.map { $0! } }
}
