import Foundation

/// Writes the files of pinned components where a run or a component test reads them: at
/// their paths in the source, under a directory of the run's own — never in the work tree
///. They come from the source repository's objects, which libgit2 checks
/// against their ids as it reads them; the lock pinned their digests at the same commit.
enum ComponentFiles {
    /// Writes every pinned file `steps` need, each source under its
    /// ``PinnedComponent/directory(inRun:)``, read-only: a step that edits one fails
    /// rather than change what a later step of the run reads.
    static func write(for steps: [ResolvedStep], inRun runDirectory: String, repository: Repository) throws {
        let pinned = steps.compactMap(\.pinned)
        guard let first = pinned.first else { return }
        guard let sources = try SourceRepository.open(at: SourceRepository.path(in: repository.commonDirectory)) else {
            throw ComponentSourceError.notFetched(first.source)
        }
        var written: Set<String> = []
        for component in pinned {
            let directory = component.directory(inRun: runDirectory)
            for entry in component.entries where written.insert("\(directory)/\(entry.path)").inserted {
                try write(entry, contents: try sources.blobContents(entry.blob), under: directory)
            }
        }
    }

    /// Writes `contents`, the blob of `entry`, at its path under `directory`, executable when
    /// git says so.
    static func write(_ entry: IndexEntry, contents: Data, under directory: String) throws {
        let target = "\(directory)/\(entry.path)"
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: target, contents: contents) else {
            throw FileWriteError(path: target, reason: "cannot create it")
        }
        chmod(target, entry.mode == 0o100755 ? 0o555 : 0o444)
    }
}
