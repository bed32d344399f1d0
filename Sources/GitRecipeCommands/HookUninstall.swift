import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand.Hook {
    /// `git recipe hook uninstall`: remove the hooks, putting back what was there.
    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the hooks and put back what was there before.")

        /// Removes the hooks, restoring what was there.
        func run() throws {
            let installer = try HookInstaller(repository: Repository.discover())
            try report(installer.uninstall(), in: installer.directory)
        }
    }
}
