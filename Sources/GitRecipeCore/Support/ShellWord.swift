extension String {
    /// The string as one word for POSIX `sh`: single-quoted (each `'` as `'\''`), or bare when
    /// made only of characters the shell never interprets, so printed commands read naturally.
    public var shellQuoted: String {
        let safe = unicodeScalars.allSatisfy {
            $0.isASCII && (Self.shellSafe.contains($0) || $0.properties.isAlphabetic || ("0"..."9").contains($0))
        }
        if safe && !isEmpty { return self }
        return "'" + replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Characters a word may hold and stay unquoted.
    private static let shellSafe: Set<Unicode.Scalar> = ["_", "-", ".", "/", ":", "=", "+", ",", "@", "%"]
}
