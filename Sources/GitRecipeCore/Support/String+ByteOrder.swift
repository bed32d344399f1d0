import Foundation

extension String {
    /// Whether `self` sorts before `other` by UTF-8 bytes (which is Unicode scalar order),
    /// the order git-recipe writes keys and directory entries in. Unlike `<`, it ignores
    /// canonical equivalence, so it is the same on every machine; and it is a memcmp.
    func precedesByBytes(_ other: String) -> Bool {
        let fast = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b -> Bool in
                guard let left = a.baseAddress, let right = b.baseAddress else { return a.count < b.count }
                let common = memcmp(left, right, Swift.min(a.count, b.count))
                return common != 0 ? common < 0 : a.count < b.count
            }
        }
        return (fast ?? nil) ?? utf8.lexicographicallyPrecedes(other.utf8)
    }
}
