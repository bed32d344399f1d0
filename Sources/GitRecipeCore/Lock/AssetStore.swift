import Foundation

/// Downloaded assets, stored by content: `.git/recipes/assets/sha256/<hex>`, shared by all
/// worktrees. A file enters the store only complete and with the digest the recipe pins.
struct AssetStore {
    /// Where fetched assets are kept, by digest.
    let directory: String
    /// Seconds a download may take in all (`recipe.assetTimeout`, default 6 hours).
    var timeout = 6 * 3600
    /// Seconds a download may go on below 1 KiB/s before it counts as stalled
    /// (`recipe.assetStallTimeout`, default 60): a server that accepts the connection and
    /// never answers used to hang `lock` forever.
    var stallTimeout = 60

    /// Where an asset with `digest` is kept.
    func path(for digest: ContentDigest) -> String { "\(directory)/sha256/\(digest.hex)" }

    /// The stored file for `digest`, fetched from `url` first if it is not there yet.
    /// Downloads go through `curl` (http, https, file) into a temporary file beside the
    /// store, which is renamed into place only after its digest is checked.
    func fetch(_ name: String, from url: String, expecting digest: ContentDigest) throws -> String {
        let destination = path(for: digest)
        if FileManager.default.fileExists(atPath: destination) { return destination }
        let folder = (destination as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let partial = "\(folder)/.partial-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let curl = ChildProcess(
            arguments: [
                "curl", "--fail", "--location", "--silent", "--show-error", "--connect-timeout", "30",
                "--speed-limit", "1024", "--speed-time", String(stallTimeout), "--max-time", String(timeout),
                "--proto", "=http,https,file", "--output", partial, url,
            ],
            directory: folder)
        let outcome = try curl.run(timeout: TimeInterval(timeout + 60))
        if outcome.status == 28 || outcome.timedOut {
            throw AssetError.downloadFailed(
                asset: name, url: url,
                reason: "it stalled (under 1 KiB/s for \(stallTimeout) s) or took over \(timeout) s; "
                    + "check the server, or allow more: git config recipe.assetStallTimeout SECONDS, git config recipe.assetTimeout SECONDS")
        }
        guard outcome.status == 0 else {
            throw AssetError.downloadFailed(asset: name, url: url, reason: outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let actual = try FileHasher().digest(ofFile: partial)
        guard actual == digest else {
            throw AssetError.digestMismatch(asset: name, source: url, expected: digest, actual: actual)
        }
        guard rename(partial, destination) == 0 else {
            throw AssetError.downloadFailed(asset: name, url: url, reason: "cannot store it in \(folder): \(String(cString: strerror(errno)))")
        }
        return destination
    }
}

/// An asset that could not be fetched or did not match its pinned digest.
enum AssetError: RecipeError, Equatable {
    case downloadFailed(asset: String, url: String, reason: String)
    case digestMismatch(asset: String, source: String, expected: ContentDigest, actual: ContentDigest)

    /// Exit 1: the asset could not be fetched or did not match its digest.
    public var exitStatus: ExitStatus { .checkFailed }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .downloadFailed(let asset, let url, let reason):
            "cannot download asset '\(asset)' from \(url): \(reason)"
        case .digestMismatch(let asset, let source, let expected, let actual):
            "asset '\(asset)' from \(source) has the wrong digest, so it was not used:\n  expected \(expected)\n  actual   \(actual)\nif the source changed on purpose, put the new sha256 in the recipe"
        }
    }
}
