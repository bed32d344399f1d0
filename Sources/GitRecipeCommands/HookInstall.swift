import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand.Hook {
    /// `git recipe hook install`: install the hooks, keeping any that was there.
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install the hooks (core.hooksPath if set, else .git/hooks); an existing hook is kept and runs first.")

        /// Replace a hook saved by an earlier install.
        @Flag(help: "Chain a hook that could not be kept safely, replacing an earlier saved one.")
        var force = false

        /// Installs the hooks and configures plain git to keep run records across rewrites.
        func run() throws {
            let repository = try Repository.discover()
            let installer = try HookInstaller(repository: repository)
            try report(installer.install(force: force), in: installer.directory)
            // A clone that only installs hooks must still keep its runs across an amend.
            try repository.configureNotesSharing()
            try repository.configureLockMerging()
        }
    }
}
