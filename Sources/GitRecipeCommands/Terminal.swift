import Foundation

/// Where diagnostics go: stderr, unbuffered, so they interleave correctly with stdout.
struct Terminal {
    static let standardError = Terminal(handle: .standardError)

    let handle: FileHandle

    func write(_ text: String) {
        guard !text.isEmpty else { return }
        handle.write(Data(text.utf8))
    }

    /// Each of `warnings` as a `warning: ` line on stderr.
    static func warn(_ warnings: [String]) {
        standardError.write(warnings.map { "warning: \($0)\n" }.joined())
    }
}
