import Foundation

/// `git recipe test [COMPONENT…]`: each test of each component runs in a
/// scratch directory under `.git/recipes/tests/`, holding copies of the component's files
/// and of the test's fixtures at their repository paths; its outputs go to their default
/// paths (or `out/NAME`). A test passes when its inputs keep their contracts, the command
/// exits 0, every output exists and keeps its contract, and every bounded metric is within
/// its bounds. Nothing is recorded; the directory is removed after.
public struct ComponentTesting {
    /// One test's outcome.
    public struct Outcome: Sendable {
        /// `COMPONENT/TEST`.
        public let name: String
        /// Why it failed; `nil` when it passed.
        public let problem: String?
        /// Seconds it took.
        public let seconds: Double
        /// Where its command's output is, when it failed (kept for reading).
        public let log: String?
    }

    /// The repository the components are in.
    let repository: Repository
    /// Its project.
    let project: Project

    /// Tests the components of `project` in `repository`.
    public init(repository: Repository, project: Project) {
        self.repository = repository
        self.project = project
    }

    /// The names of the components that have tests, sorted.
    public var tested: [String] { project.components.values.filter { !$0.tests.isEmpty }.map(\.name).sorted() }

    /// Runs the tests of the components named (all with tests when none), in name order,
    /// telling `done` of each as it ends.
    ///
    /// - Throws: ``ComponentTestError`` for a name that is no component.
    public func run(_ names: [String], done: (Outcome) -> Void) throws -> [Outcome] {
        for name in names where project.components[name] == nil {
            throw ComponentTestError.unknown(name, known: project.components.keys.sorted())
        }
        var outcomes: [Outcome] = []
        for name in (names.isEmpty ? tested : names) {
            let component = project.components[name]!
            for test in component.tests {
                let outcome = try run(test, of: component)
                outcomes.append(outcome)
                done(outcome)
            }
        }
        return outcomes
    }

    /// Removes the directories failed tests left for their logs (`gc`), all but those of a
    /// `git recipe test` still running; returns their paths. With `dryRun`, removes nothing.
    public static func collectKept(in repository: Repository, dryRun: Bool) throws -> [String] {
        let parent = testsDirectory(in: repository)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        return try names.sorted().filter(ScratchName.isAbandoned).map { name in
            let path = "\(parent)/\(name)"
            if !dryRun { try FileManager.default.removeItem(atPath: path) }
            return path
        }
    }

    /// Where tests get their scratch directories: `.git/recipes/tests`.
    private static func testsDirectory(in repository: Repository) -> String { "\(repository.commonDirectory)/recipes/tests" }

    /// Runs one test in a scratch directory of its own.
    private func run(_ test: Component.Test, of component: Component) throws -> Outcome {
        let name = "\(component.name)/\(test.name.value)"
        let started = Date()
        let directory = "\(Self.testsDirectory(in: repository))/\(ScratchName.make())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var keep = false
        defer { if !keep { try? FileManager.default.removeItem(atPath: directory) } }
        func outcome(_ problem: String?, log: String? = nil) -> Outcome {
            keep = log != nil
            return Outcome(name: name, problem: problem, seconds: Date().timeIntervalSince(started), log: log)
        }

        let runID = "test-\(component.name.replacingOccurrences(of: "/", with: "-"))-\(test.name.value)"
        var values: [String: String] = ["seed": "0", "run.id": runID, "run.dir": "\(directory)/.run", "component.dir": "."]
        try FileManager.default.createDirectory(atPath: "\(directory)/.run", withIntermediateDirectories: true)
        let source = try component.source.map { source in
            guard let files = try StoredFiles.sourceFiles(at: source.commit, in: SourceRepository.path(in: repository.commonDirectory)) else {
                throw ComponentSourceError.notFetched(source)
            }
            return files
        }
        let origin = component.source.map { "component source '\($0.name)' at \($0.shortCommit)" } ?? "this repository"
        for file in component.files.map(\.value) + Array(test.inputs.values) {
            guard try copy(file, from: source, into: directory) else { return outcome("'\(file)' does not exist in \(origin)") }
        }
        var contracts: [(path: String, contract: DataContract, input: Bool)] = []
        for port in component.inputs {
            let path = test.inputs[port.name.value] ?? port.defaultPath!.value
            if test.inputs[port.name.value] == nil, try !copy(path, from: source, into: directory) {
                return outcome("input '\(port.name.value)' defaults to '\(path)', which does not exist in \(origin)")
            }
            values["inputs.\(port.name.value)"] = path
            if let contract = port.contract { contracts.append((path, contract, true)) }
        }
        var metrics: [String] = []
        for port in component.outputs {
            let path = port.defaultPath?.value ?? "out/\(port.name.value)\(port.kind == .dir ? "/" : "")"
            values["outputs.\(port.name.value)"] = path
            if let contract = port.contract { contracts.append((path, contract, false)) }
            if port.metrics { metrics.append(path) }
        }
        for (key, value) in ParamValue.map(component.params.merging(test.params) { _, test in test }).leaves(prefix: "params") {
            values[key] = value.description
        }
        for (path, contract, input) in contracts where input {
            if let violation = ContractCheck.violation(of: contract, at: "\(directory)/\(path)", name: path) {
                return outcome("a fixture breaks its input's contract: \(violation)")
            }
        }
        guard let run = component.run else { return outcome("the component has no run command") }
        let command = try CommandTemplate(run.value).render { values[$0] }
        let log = "\(directory)/.run/test.log"
        var environment = ProcessInfo.processInfo.environment
        for variable in Repository.locationVariables { environment[variable] = nil }
        environment["RECIPE_SEED"] = "0"
        environment["RECIPE_RUN_ID"] = values["run.id"]
        let ended = try ChildProcess(arguments: ["/bin/sh", "-c", command], directory: directory, environment: environment).run()
        try Data((ended.stdout + ended.stderr).utf8).write(to: URL(fileURLWithPath: log))
        guard ended.status == 0 else { return outcome("its command exited with status \(ended.status)", log: log) }
        for (path, contract, input) in contracts where !input {
            guard FileManager.default.fileExists(atPath: "\(directory)/\(path)") else {
                return outcome("it did not write its output '\(path)'", log: log)
            }
            if let violation = ContractCheck.violation(of: contract, at: "\(directory)/\(path)", name: path) {
                return outcome("its output breaks its contract: \(violation)", log: log)
            }
        }
        var measured: [String: Double] = [:]
        for file in metrics {
            do {
                measured.merge(try Metrics.read("\(directory)/\(file)")) { _, new in new }
            } catch {
                return outcome(error.description.replacingOccurrences(of: directory + "/", with: ""), log: log)
            }
        }
        for (metric, bounds) in test.metrics.sorted(by: { $0.key < $1.key }) {
            guard let value = measured[metric] else { return outcome("it wrote no metric '\(metric)'", log: log) }
            if let minimum = bounds.minimum, value < minimum {
                return outcome("metric '\(metric)' is \(value), below its minimum \(minimum)", log: log)
            }
            if let maximum = bounds.maximum, value > maximum {
                return outcome("metric '\(metric)' is \(value), above its maximum \(maximum)", log: log)
            }
        }
        return outcome(nil)
    }

    /// Copies the file or directory at `path` — in the work tree, or in `source`, a pinned
    /// source's tree — to the same path under `directory`; `false` when there is no such path.
    private func copy(_ path: String, from source: StoredFiles?, into directory: String) throws -> Bool {
        if let source {
            let entries = source.entries(overlapping: path)
            for entry in entries { try ComponentFiles.write(entry, contents: try source.contents(of: entry), under: directory) }
            return !entries.isEmpty
        }
        let source = "\(repository.workTree)/\(path.hasSuffix("/") ? String(path.dropLast()) : path)"
        guard FileManager.default.fileExists(atPath: source) else { return false }
        let target = "\(directory)/\(path.hasSuffix("/") ? String(path.dropLast()) : path)"
        guard !FileManager.default.fileExists(atPath: target) else { return true }
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source, toPath: target)
        return true
    }
}

/// A component `test` was asked for that does not exist.
public enum ComponentTestError: RecipeError, Equatable {
    case unknown(String, known: [String])

    /// Exit 2: invalid input.
    public var exitStatus: ExitStatus { .invalidInput }

    /// What is wrong, and the names there are.
    public var description: String {
        switch self {
        case .unknown(let name, let known):
            "no component '\(name)' (.recipes/components/\(name).yaml does not exist); components: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
        }
    }
}
