import Foundation
import Synchronization

/// How a run ended.
public enum RunStatus: String, Sendable {
    case succeeded, failed, cancelled
}

/// Run ids: UTC time to the millisecond and random hex, so they sort by when the run
/// began (notes keep their documents in id order, and "the latest run" is the last) and
/// do not collide.
enum RunID {
    /// The last id's milliseconds since 1970, so ids made by one process sort in the
    /// order they were made even within one millisecond or when the clock steps back.
    private static let last = Mutex<Int64>(0)

    /// A new id: `20261122T101500.123Z-1a2b3c4d`.
    static func make() -> String {
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let milliseconds = last.withLock { last in
            last = max(now, last + 1)
            return last
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        let seconds = formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds / 1000)))
        return seconds + String(format: ".%03dZ-%08x", Int(milliseconds % 1000), UInt32.random(in: 0...UInt32.max))
    }

    /// ISO 8601 in UTC to the second: `2026-11-22T10:15:00Z`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
