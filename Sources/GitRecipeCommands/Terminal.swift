import Foundation
import GitRecipeCore

/// Where diagnostics go: stderr, unbuffered, so they interleave correctly with stdout.
struct Terminal {
    /// stderr.
    static let standardError = Terminal(handle: .standardError)

    /// Where the text goes.
    let handle: FileHandle

    /// Writes `text` at once, unbuffered.
    func write(_ text: String) {
        guard !text.isEmpty else { return }
        handle.write(Data(text.utf8))
    }

    /// Each of `warnings` as a `warning: ` line on stderr.
    static func warn(_ warnings: [String]) {
        standardError.write(warnings.map { "warning: \($0)\n" }.joined())
    }

    /// Prints what a run tells while it is under way: diagnostics on stderr, a batch job's
    /// output and each finished run's summary on stdout.
    @Sendable static func show(_ event: RunEvent) {
        switch event {
        case .warning(let message): standardError.write("warning: \(message)\n")
        case .stepFailed(let step, let problem): standardError.write("error: step '\(step)' failed: \(problem)\n")
        case .jobOutput(let output): FileHandle.standardOutput.write(output)
        case .finished(let outcome): print(summary(of: outcome), terminator: "")
        }
    }

    /// A finished run: how it ended, its metrics, where it is recorded.
    static func summary(of outcome: Runner.Outcome) -> String {
        let metrics = outcome.metrics.keys.sorted().map { "\($0)=\(outcome.metrics[$0]!)" }.joined(separator: ", ")
        return
            "run \(outcome.id) \(outcome.status.rawValue) in \(String(format: "%.1f", outcome.seconds)) s (recipe \(outcome.recipe), seed \(outcome.seed))\n"
            + (metrics.isEmpty ? "" : "  metrics: \(metrics)\n")
            + "  recorded on \(outcome.commit.prefix(12)); show it: git notes --ref=recipes show \(outcome.commit.prefix(12))\n"
    }
}
