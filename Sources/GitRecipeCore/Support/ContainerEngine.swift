import Foundation

/// The program that runs a step inside a container image: podman (the
/// default), docker, or apptainer (`exec docker://NAME@sha256:…`, as on HPC clusters),
/// chosen with `git config recipe.containerEngine`. It builds the engine's command line and
/// asks the engine what it has; it never goes through a shell.
public struct ContainerEngine: Sendable, Equatable {
    /// The engines git-recipe drives.
    public enum Kind: String, Sendable, CaseIterable {
        case podman, docker, apptainer
    }

    /// Which engine.
    public let kind: Kind

    /// The engine `kind`.
    public init(_ kind: Kind = .podman) {
        self.kind = kind
    }

    /// The engine `recipe.containerEngine` names, podman when unset.
    public static func configured(_ name: String?) throws(ContainerError) -> ContainerEngine {
        guard let name else { return ContainerEngine() }
        guard let kind = Kind(rawValue: name) else { throw .unknownEngine(name) }
        return ContainerEngine(kind)
    }

    /// A command to run in an image: where, with which variables, what it may write.
    public struct Invocation: Sendable {
        /// The shell command.
        public var command: String
        /// The image, `NAME@sha256:…`.
        public var image: String
        /// The working directory, the same path inside as outside.
        public var directory: String
        /// Host directories shown at the same path inside; `directory` is always one, writable.
        public var mounts: [(path: String, writable: Bool)] = []
        /// The variables the command sees besides the image's own.
        public var environment: [String: String] = [:]
        /// Whether the command may use the network.
        public var network = false
    }

    /// The engine's command line for `invocation`: the repository mounted at its own path,
    /// files written owned by the user who runs git-recipe, the network off unless asked
    /// for, and an init process so that stopping the engine stops the command.
    public func arguments(_ invocation: Invocation) -> [String] {
        let mounts = [(invocation.directory, true)] + invocation.mounts.map { ($0.path, $0.writable) }
        let variables = invocation.environment.sorted { $0.key < $1.key }
        switch kind {
        case .podman, .docker:
            var arguments = [kind.rawValue, "run", "--rm", "--init", "--workdir", invocation.directory]
            // Rootless podman maps the user to the same id inside; docker runs as root
            // unless told which user to be.
            if kind == .podman, geteuid() != 0 { arguments += ["--userns=keep-id"] }
            if kind == .docker { arguments += ["--user", "\(geteuid()):\(getegid())"] }
            if !invocation.network { arguments += ["--network", "none"] }
            for (path, writable) in mounts { arguments += ["--volume", "\(path):\(path):\(writable ? "rw" : "ro")"] }
            for (name, value) in variables { arguments += ["--env", "\(name)=\(value)"] }
            return arguments + [invocation.image, "/bin/sh", "-c", invocation.command]
        case .apptainer:
            var arguments = ["apptainer", "exec", "--containall", "--pwd", invocation.directory]
            if !invocation.network { arguments += ["--net", "--network", "none"] }
            for (path, writable) in mounts { arguments += ["--bind", "\(path):\(path):\(writable ? "rw" : "ro")"] }
            for (name, value) in variables { arguments += ["--env", "\(name)=\(value)"] }
            return arguments + ["docker://\(invocation.image)", "/bin/sh", "-c", invocation.command]
        }
    }

    /// The engine's version line (`podman version 4.3.1`), which the manifest records.
    public func version() throws(ContainerError) -> String {
        let outcome = try ask([kind.rawValue, "--version"])
        guard outcome.status == 0, let line = outcome.stdout.split(separator: "\n").first else {
            throw .engineFailed(engine: kind.rawValue, command: "\(kind.rawValue) --version", stderr: outcome.stderr)
        }
        return String(line)
    }

    /// The id of the image `image` names as the engine holds it (the digest of its
    /// configuration: what actually runs), pulling it by digest when it is not here. Throws,
    /// naming the command that fetches it, when it can be neither found nor pulled.
    /// apptainer keeps no such id: it pulls `docker://` references into its own cache when
    /// it runs them, so the reference (with its digest) is the record.
    public func resolve(_ image: String) throws(ContainerError) -> String? {
        guard kind != .apptainer else { return nil }
        if let id = try inspect(image) { return id }
        let pulled = try ask([kind.rawValue, "pull", "--quiet", image])
        guard pulled.status == 0, let id = try inspect(image) else {
            throw .imageUnavailable(
                image: image, engine: kind.rawValue, stderr: pulled.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return id
    }

    /// The image's id, or `nil` when the engine does not hold `image` by that digest.
    private func inspect(_ image: String) throws(ContainerError) -> String? {
        let outcome = try ask([kind.rawValue, "image", "inspect", "--format", "{{.Id}}", image])
        guard outcome.status == 0 else { return nil }
        let id = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.hasPrefix("sha256:") ? id : "sha256:\(id)"
    }

    /// Runs the engine with `arguments` and waits for it.
    private func ask(_ arguments: [String]) throws(ContainerError) -> ChildProcess.Outcome {
        do {
            return try ChildProcess(arguments: arguments, directory: "/").run()
        } catch {
            throw .engineMissing(engine: kind.rawValue)
        }
    }
}

/// The container engine or an image cannot be used: the run is refused before any step runs.
public enum ContainerError: RecipeError, Equatable {
    case unknownEngine(String)
    case engineMissing(engine: String)
    case engineFailed(engine: String, command: String, stderr: String)
    case imageUnavailable(image: String, engine: String, stderr: String)

    /// Exit 1 (a precondition), or 2 for a configuration no engine matches.
    public var exitStatus: ExitStatus {
        if case .unknownEngine = self { return .invalidInput }
        return .checkFailed
    }

    /// What is wrong and the command that fixes it.
    public var description: String {
        switch self {
        case .unknownEngine(let name):
            return "git config recipe.containerEngine is '\(name)', which is none of "
                + ContainerEngine.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                + "; run: git config recipe.containerEngine podman"
        case .engineMissing(let engine):
            return "a step runs in a container image, and \(engine) is not installed here; install it (apt-get install \(engine)), "
                + "or name the engine you have: git config recipe.containerEngine podman|docker|apptainer"
        case .engineFailed(let engine, let command, let stderr):
            return "\(engine) does not answer: '\(command)' failed: \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .imageUnavailable(let image, let engine, let stderr):
            return "image '\(image)' is not here by that digest and could not be pulled"
                + (stderr.isEmpty ? "" : " (\(stderr))")
                + "; fetch it with: \(engine) pull \(image) (or load it from a file: \(engine) load -i IMAGE.tar)"
        }
    }
}
