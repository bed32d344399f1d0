import Foundation
import Synchronization

/// Reports hashing progress on stderr when it takes over half a second and stderr is a
/// terminal (DESIGN §3); otherwise says nothing.
///
/// `@unchecked Sendable`: its counters are atomics and the timer source is thread-safe.
public final class HashProgress: @unchecked Sendable {
    private let files = Atomic<Int>(0)
    private let totalFiles = Atomic<Int>(0)
    private let started = Date()
    private let timer: DispatchSourceTimer?

    /// `nil` unless stderr is a terminal: there is no one to show progress to.
    public static func forTerminal() -> HashProgress? {
        isatty(STDERR_FILENO) == 1 ? HashProgress() : nil
    }

    private init() {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        self.timer = timer
        timer.schedule(deadline: .now() + 0.5, repeating: 0.2)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let line = "\rhashing: \(files.load(ordering: .relaxed))/\(totalFiles.load(ordering: .relaxed)) files"
            FileHandle.standardError.write(Data(line.utf8))
        }
        timer.resume()
    }

    func expect(files count: Int) {
        totalFiles.add(count, ordering: .relaxed)
    }

    func fileHashed() {
        files.add(1, ordering: .relaxed)
    }

    /// Stops reporting and clears the line if anything was shown.
    public func finish() {
        timer?.cancel()
        if Date().timeIntervalSince(started) > 0.5 {
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
    }
}
