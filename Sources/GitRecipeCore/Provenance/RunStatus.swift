import Foundation

/// How a run ended.
public enum RunStatus: String, Sendable {
    case succeeded, failed, cancelled
}

/// Run ids: UTC time and random hex, so they sort by time and do not collide.
enum RunID {
    /// A new id: `20261122T101500Z-1a2b3c4d`.
    static func make() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date()) + "-" + String(format: "%08x", UInt32.random(in: 0...UInt32.max))
    }

    /// ISO 8601 in UTC to the second: `2026-11-22T10:15:00Z`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
