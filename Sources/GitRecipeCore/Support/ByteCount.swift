import Foundation

/// Sizes as people read them: in the largest binary unit that keeps the number at 1 or more.
public enum ByteCount {
    /// `512 B`, `1.5 KiB`, `3.2 GiB`.
    public static func text(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
