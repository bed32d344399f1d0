import Foundation

/// Where diagnostics go: stderr, unbuffered, so they interleave correctly with stdout.
struct Terminal {
    static let standardError = Terminal(handle: .standardError)

    let handle: FileHandle

    func write(_ text: String) {
        guard !text.isEmpty else { return }
        handle.write(Data(text.utf8))
    }
}
