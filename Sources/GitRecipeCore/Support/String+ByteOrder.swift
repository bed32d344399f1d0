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

extension Dictionary where Key == String {
    /// The entries with their keys in byte order: the order git-recipe writes them in.
    var byKeyBytes: [(key: String, value: Value)] { sorted { $0.key.precedesByBytes($1.key) } }

    /// The entries with their keys in Swift's string order: the order listings show them in.
    var byKey: [(key: String, value: Value)] { sorted { $0.key < $1.key } }
}
