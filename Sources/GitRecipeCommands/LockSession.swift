import ArgumentParser
import Foundation
import GitRecipeCore

/// What every command that computes locks sets up: the repository, the validated project,
/// progress on a terminal, and the locker with its hash cache.
struct LockSession {
    /// The repository the command runs in.
    let repository: Repository
    /// Its work tree.
    let files: WorkingTreeFiles
    /// The recipes asked for, loaded and validated.
    let project: Project
    /// Hashes their inputs and runs their probes.
    let locker: Locker
    /// Shows hashing progress on a terminal; `nil` when stderr is not one.
    private let progress: HashProgress?

    /// Loads `recipes` (every recipe when empty) and prepares to lock them; with
    /// `fetchingSources`, first fetches the pinned component sources not yet here.
    init(recipes: [String], probes: ProbeMode, fetchingSources: Bool = true) throws {
        repository = try Repository.discover()
        files = WorkingTreeFiles(root: repository.workTree)
        if fetchingSources { _ = try GitRecipeCommand.Components.Fetch.fetchMissing(in: repository) }
        project = try Project.load(from: files, recipes: recipes)
        Terminal.standardError.write(project.warnings.map { "\($0)\n" }.joined())
        progress = HashProgress.forTerminal()
        locker = try Locker(repository: repository, progress: progress, probes: probes)
        if let warning = locker.cacheWarning { Terminal.standardError.write("warning: \(warning)\n") }
    }

    /// Saves the hash cache.
    func finish() throws {
        try locker.finish()
    }

    /// Stops progress output, however the command ends.
    func end() {
        progress?.finish()
    }
}
