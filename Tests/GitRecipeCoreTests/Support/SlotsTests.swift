import Dispatch
import Testing

@testable import GitRecipeCore

@Suite("Slots written by concurrent workers")
struct SlotsTests {
    /// Every worker's write lands, however closely they follow each other.
    @Test func everyConcurrentWriteIsKept() {
        let count = 200_000
        let slots = Slots<Int>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { index in slots[index] = index }
        #expect(slots.values == Array(0..<count))
    }
}
