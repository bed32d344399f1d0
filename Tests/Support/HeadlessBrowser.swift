import Foundation

/// Debian's Chromium, headless, for the tests that check HTML as a browser reads it: the
/// DOM after parsing (`--dump-dom`) and a screenshot. Network is off (every host name
/// resolves to nothing), so a page that needed anything from elsewhere shows it.
public struct HeadlessBrowser: Sendable {
    /// The browser's path, or `nil` when none is installed.
    public let executable: String?

    /// Finds `chromium` (Debian) or `chromium-browser` on `PATH`.
    public init() {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        executable = ["chromium", "chromium-browser"].lazy.flatMap { name in
            path.split(separator: ":").map { "\($0)/\(name)" }
        }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether its tests run: when it is installed, and always in CI, where a missing browser
    /// must fail the tests rather than skip them.
    public var isAvailable: Bool { executable != nil || ProcessInfo.processInfo.environment["CI"] != nil }

    /// Why the tests that need it are skipped outside CI.
    public static let skipReason = "no Chromium here: apt-get install chromium (scripts/install-deps.sh installs it)"

    /// The browser on this machine.
    public static let shared = HeadlessBrowser()

    /// The DOM of the page at `file` once Chromium has parsed it, serialised.
    public func dom(of file: String) throws -> String {
        try browse(file, ["--dump-dom"]).stdout
    }

    /// Takes a screenshot of the page at `file` into `png`, `width` × `height` pixels.
    public func screenshot(of file: String, to png: String, width: Int = 1280, height: Int = 1600) throws {
        try browse(file, ["--screenshot=\(png)", "--window-size=\(width),\(height)", "--hide-scrollbars"])
    }

    /// Runs Chromium headless on `file` with `arguments`; its own profile in a scratch directory.
    @discardableResult
    private func browse(_ file: String, _ arguments: [String]) throws -> CommandResult {
        guard let executable else { throw BrowserMissing() }
        let profile = try TemporaryDirectory()
        let result = try run(
            executable,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=\(profile.path)",
                "--host-resolver-rules=MAP * ~NOTFOUND",
            ] + arguments + [URL(fileURLWithPath: file).absoluteString],
            in: profile.path, environment: ["PATH": "/usr/bin:/bin", "HOME": profile.path])
        guard result.status == 0 else { throw CommandFailure(command: "chromium \(arguments.joined(separator: " ")) \(file)", result: result) }
        return result
    }
}

/// No browser is installed, in CI (where the tests do not skip).
public struct BrowserMissing: Error, CustomStringConvertible {
    public var description: String { HeadlessBrowser.skipReason }
}
