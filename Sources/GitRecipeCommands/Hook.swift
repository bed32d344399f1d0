import ArgumentParser
import Foundation
import GitRecipeCore

extension GitRecipeCommand {
    /// `git recipe hook install|uninstall|run NAME`.
    struct Hook: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install, remove or run the git hooks that block unreproducible commits.",
            subcommands: [Install.self, Uninstall.self, Run.self]
        )
    }
}
