import Foundation

/// The logs a run left in `.git/recipes/runs/RUN_ID/`: one `STEP.log` per step.
public struct RunLogs {
    /// Where runs keep their logs: under the common git directory, shared by all worktrees.
    static func directory(in repository: Repository) -> String { "\(repository.commonDirectory)/recipes/runs" }

    /// The run's id.
    public let id: String
    /// The run's log directory.
    private let directory: String

    /// Finds the run whose id is `name` or uniquely contains it.
    public init(repository: Repository, run name: String) throws {
        let runs = Self.directory(in: repository)
        let ids = ((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []).sorted()
        let matches = ids.contains(name) ? [name] : ids.filter { $0.contains(name) }
        guard matches.count == 1 else { throw RunLookupError(name: name, candidates: matches) }
        id = matches[0]
        directory = "\(runs)/\(id)"
    }

    /// The file listing the run's steps, one a line, in the order they started.
    static let order = "steps"

    /// The steps that have logs, in the order they ran.
    public var steps: [String] {
        let listed = (try? String(contentsOfFile: "\(directory)/\(Self.order)", encoding: .utf8)) ?? ""
        return listed.split(separator: "\n").map(String.init)
    }

    /// The log of `step`, as the step wrote it.
    public func text(of step: String) throws -> String {
        let path = "\(directory)/\(step).log"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunLookupError(name: "\(id) \(step)", candidates: [], steps: steps)
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A run or step that cannot be found, or a name that matches several runs.
struct RunLookupError: RecipeError {
    /// The run or step as named.
    let name: String
    /// Runs or steps it could have meant.
    let candidates: [String]
    /// The steps that started, in the order they started.
    var steps: [String] = []

    /// Exit 2: the run or step is unknown.
    public var exitStatus: ExitStatus { .invalidInput }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        if !steps.isEmpty { return "no log for '\(name)'; steps with logs: \(steps.joined(separator: ", "))" }
        if candidates.isEmpty { return "no run '\(name)' on this machine (logs stay where a run ran)" }
        return "'\(name)' matches several runs; give more of the id:\n" + candidates.map { "  \($0)" }.joined(separator: "\n")
    }
}
