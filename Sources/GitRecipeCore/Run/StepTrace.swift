import Foundation

/// What a step touched in the repository that it does not declare, found by running it
/// under `strace -f` (`git recipe trace`): files it opened for reading that are neither its
/// inputs nor under them, and files it wrote, created, renamed or removed outside its
/// outputs. Python's bytecode caches (`__pycache__/`) are not counted.
public struct StepTrace: Sendable {
    /// The step.
    public let step: String
    /// Its exit status.
    public let exit: Int32
    /// Repository paths it read without declaring them, sorted.
    public let undeclaredReads: [String]
    /// Repository paths it wrote outside its outputs, sorted.
    public let undeclaredWrites: [String]
    /// Its declared inputs, for the fix.
    public let inputs: [String]
    /// Its declared outputs, for the fix.
    public let outputs: [String]

    /// One line per finding, each with the line that fixes it.
    public var report: [String] {
        var lines: [String] = []
        if !undeclaredReads.isEmpty {
            lines.append(
                "step '\(step)' reads \(undeclaredReads.joined(separator: ", ")), which it does not declare; "
                    + "add to the step: inputs: [\((inputs + undeclaredReads).joined(separator: ", "))]")
        }
        if !undeclaredWrites.isEmpty {
            lines.append(
                "step '\(step)' writes \(undeclaredWrites.joined(separator: ", ")) outside its outputs; "
                    + "add to the step: outputs: [\((outputs + undeclaredWrites).joined(separator: ", "))]")
        }
        return lines
    }
}

extension Runner {
    /// Runs `plan`'s steps (each after those it needs) under `strace -f` in this runner's
    /// work tree — a scratch worktree: nothing here is recorded — and reports what each
    /// step touched undeclared. Stops at the first step that fails, or after `last`.
    public func trace(_ settings: RunSettings, seed: Int, until last: String? = nil) throws -> [StepTrace] {
        let plan = try preparedPlan(settings, seed: seed)
        defer { try? FileManager.default.removeItem(atPath: plan.directory) }
        let environment = stepEnvironment(plan)
        var traces: [StepTrace] = []
        var written: [String] = []
        for planned in plan.steps {
            let step = planned.step
            try DeclaredOutputs(root: repository.workTree, paths: step.outputs).remove()
            let log = "\(plan.directory)/\(step.name).strace"
            let output = try plan.createLog(of: step)
            defer { try? output.close() }
            let process = try StepProcess.start(
                ["strace", "-f", "-qq", "-e", "trace=%file", "-o", log, "--", "/bin/sh", "-c", planned.command], in: repository.workTree,
                environment: environment, log: output)
            interruption.started(process)
            let (exit, _) = process.wait()
            interruption.ended(process)
            let touched = Self.touched(in: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "", root: repository.workTree)
            let declaredReads = step.inputs + written + step.outputs
            traces.append(
                StepTrace(
                    step: step.name, exit: exit,
                    undeclaredReads: touched.reads.subtracting(touched.writes).filter { !Self.covered($0, by: declaredReads) }.sorted(),
                    undeclaredWrites: touched.writes.filter { !Self.covered($0, by: step.outputs) }.sorted(),
                    inputs: step.inputs, outputs: step.outputs))
            written += step.outputs
            if exit != 0 || interruption.isRequested || step.name == last { break }
        }
        return traces
    }

    /// Whether `path` is one of `declared` or under a declared directory (`data/`).
    static func covered(_ path: String, by declared: [String]) -> Bool {
        declared.contains { $0 == path || ($0.hasSuffix("/") && path.hasPrefix($0)) }
    }

    /// The repository paths an strace log shows opened for reading, and written (opened to
    /// write or create, created, renamed to or from, removed), each call that succeeded.
    static func touched(in log: String, root: String) -> (reads: Set<String>, writes: Set<String>) {
        var reads: Set<String> = []
        var writes: Set<String> = []
        for line in log.split(separator: "\n") {
            guard let open = line.firstIndex(of: "("), let result = line.range(of: ") = ", options: .backwards),
                !line[result.upperBound...].hasPrefix("-1")
            else { continue }
            let call = line[..<open].split(separator: " ").last.map(String.init) ?? ""
            let arguments = String(line[line.index(after: open)..<result.lowerBound])
            let paths = quotedStrings(in: arguments).compactMap { relative($0, to: root) }
            switch call {
            case "open", "openat", "openat2":
                guard let path = paths.first, !arguments.contains("O_DIRECTORY") else { continue }
                if ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC"].contains(where: arguments.contains) {
                    writes.insert(path)
                } else {
                    reads.insert(path)
                }
            case "creat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "truncate":
                writes.formUnion(paths)
            default: continue
            }
        }
        let noise = { (path: String) in path.contains("__pycache__/") || path.hasPrefix(".git") }
        return (reads.filter { !noise($0) }, writes.filter { !noise($0) })
    }

    /// The double-quoted strings of an strace argument list, unescaped as strace escapes them.
    private static func quotedStrings(in text: String) -> [String] {
        var strings: [String] = []
        var current: String?
        var escaped = false
        for character in text {
            if var string = current {
                if escaped {
                    string.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    strings.append(string)
                    current = nil
                    continue
                } else {
                    string.append(character)
                }
                current = string
            } else if character == "\"" {
                current = ""
            }
        }
        return strings
    }

    /// `path` relative to the work tree `root`, or `nil` when it is outside it. A relative
    /// path is taken from the work tree's root (where every step starts).
    private static func relative(_ path: String, to root: String) -> String? {
        let absolute = path.hasPrefix("/") ? path : "\(root)/\(path)"
        let normalized = (absolute as NSString).standardizingPath
        guard normalized.hasPrefix(root + "/") else { return nil }
        return String(normalized.dropFirst(root.count + 1))
    }
}

/// `git recipe trace`: a recipe's steps at a commit, run under strace in a scratch worktree
/// (with the data git does not track brought in, as for `reproduce`), nothing recorded.
public struct Tracer {
    /// The repository whose commit is traced.
    let repository: Repository

    /// A tracer for `repository`.
    public init(repository: Repository) {
        self.repository = repository
    }

    /// The traces of `recipe`'s steps at `commit` with `settings`' first seed, up to and
    /// including `last` when given; `announce` hears what is about to happen.
    public func trace(recipe: String, at commit: ObjectID, assignments: [String], last: String?, announce: (String) -> Void) throws -> [StepTrace] {
        guard ProgramPath.find("strace") != nil else { throw TraceError.noStrace }
        let worktree = try ScratchWorktree(of: repository, at: commit)
        defer { worktree.remove() }
        let scratch = try worktree.load(recipe, from: repository, announce: announce)
        let pipeline = scratch.pipeline
        if let last, !pipeline.steps.contains(where: { $0.name == last }) {
            throw TraceError.unknownStep(recipe: recipe, step: last, steps: pipeline.steps.map(\.name))
        }
        let runner = scratch.runner(interruption: .install(), events: { _ in })
        let settings = try RunSettings(recipe: pipeline.recipe, assignments: assignments, seed: nil, seeds: nil)
        announce("tracing '\(recipe)' at \(commit.hex.prefix(12)) under strace in a temporary worktree; nothing is recorded")
        return try runner.trace(settings, seed: settings.seeds[0], until: last)
    }
}

/// Why a trace could not be made.
public enum TraceError: RecipeError, Equatable {
    case unknownStep(recipe: String, step: String, steps: [String])
    case noStrace

    /// Exit 2: the request names nothing to trace, or this machine cannot trace.
    public var exitStatus: ExitStatus { .invalidInput }

    /// What the user reads: what is wrong, and what fixes it.
    public var description: String {
        switch self {
        case .unknownStep(let recipe, let step, let steps):
            "recipe '\(recipe)' has no step '\(step)'; its steps: \(steps.joined(separator: ", "))"
        case .noStrace: "trace runs steps under strace, which is not installed here; install it: apt-get install strace"
        }
    }
}
