import Foundation
import Synchronization

/// Reports hashing progress on stderr when it takes over half a second and stderr is a
/// terminal; otherwise says nothing.
///
/// `@unchecked Sendable`: its counters are atomics and the timer source is thread-safe.
public final class HashProgress: @unchecked Sendable {
    /// Files hashed so far.
    private let files = Atomic<Int>(0)
    /// Files to hash in all.
    private let totalFiles = Atomic<Int>(0)
    /// When hashing started.
    private let started = Date()
    /// Redraws the progress line every 0.2 s, from half a second on.
    private let timer: DispatchSourceTimer?

    /// `nil` unless stderr is a terminal: there is no one to show progress to.
    public static func forTerminal() -> HashProgress? {
        isatty(STDERR_FILENO) == 1 ? HashProgress() : nil
    }

    /// Starts the timer that draws the progress line.
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

    /// Adds `files` to the number to hash.
    func expect(files count: Int) {
        totalFiles.add(count, ordering: .relaxed)
    }

    /// Counts one file hashed.
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
