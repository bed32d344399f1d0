import ArgumentParser
import Foundation
import GitRecipeCore

/// Prints what installing or uninstalling did to each hook.
func report(_ outcomes: [(hook: String, outcome: HookInstaller.Outcome)], in directory: String) throws {
    var leftAlone = false
    for (hook, outcome) in outcomes {
        switch outcome {
        case .installed: print("installed \(directory)/\(hook)")
        case .chained: print("installed \(directory)/\(hook); the hook that was there runs first (\(hook).before-git-recipe)")
        case .updated: print("updated \(directory)/\(hook) to this version's script")
        case .alreadyInstalled: print("\(directory)/\(hook) is already installed")
        case .leftAlone(let reason):
            Terminal.standardError.write("warning: left \(directory)/\(hook) alone: \(reason)\n")
            leftAlone = true
        case .removed: print("removed \(directory)/\(hook)")
        case .restored: print("removed \(directory)/\(hook) and put back the hook that was there before")
        case .notOurs: print("\(directory)/\(hook) is not git-recipe's; left as it is")
        }
    }
    if leftAlone { throw HookBlocked(lines: ["error: some hooks were not installed (see the warnings)"]) }
}
