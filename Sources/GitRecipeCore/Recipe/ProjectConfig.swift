import Yams

/// Project settings, `.recipes/config.yaml` (DESIGN §2); every key is optional.
public struct ProjectConfig: Equatable, Sendable {
    /// How strictly a policy is enforced.
    public enum Level: String, Sendable {
        case error, warn, off
    }

    /// `policy`: how strictly recipes are held to the rules.
    struct Policy: Equatable, Sendable {
        /// What a recipe without a seed gets.
        public var seed = Level.error
        /// What a requirements file that does not pin every package gets.
        var pinnedRequirements = Level.error
        /// What an image without `@sha256:` gets.
        var imageDigest = Level.error
        /// Whether pre-push and verify demand a succeeded run per changed recipe.
        public var requireRun = false
    }

    /// `executors.slurm`: how jobs are submitted.
    public struct Slurm: Equatable, Sendable {
        /// The partition jobs go to.
        var partition: String?
        /// The time limit of a step that sets none.
        var time: String?
        /// The account jobs are charged to.
        var account: String?
        /// The quality of service asked for.
        var qos: String?
        /// Further `sbatch` arguments, passed as they are.
        var extraArgs: [String] = []
    }

    /// The settings file, relative to the repository.
    public static let file = ".recipes/config.yaml"

    /// What `init --adopt` writes: every setting at its default, to be edited.
    static let starter = """
        # git-recipe project settings; every key is optional and shown at its default.
        # Reference: docs/reference.md in git-recipe's source, or man git-recipe.
        version: 1
        policy:
          seed: error                  # a recipe without seed: error | warn | off
          pinned_requirements: error   # requirement files must pin every package (==)
          image_digest: error          # environment.image must carry @sha256:
          require_run: false           # pre-push / verify demand a succeeded run per changed recipe
        executors:
          default: local               # local | slurm

        """

    var policy = Policy()
    var defaultExecutor = "local"
    /// How Slurm jobs are submitted.
    public var slurm = Slurm()
}

extension ProjectConfig {
    static func read(_ node: Node, reader: YAMLReader) -> ProjectConfig {
        var config = ProjectConfig()
        guard let fields = reader.fields(node, of: "the configuration", allowed: ["version", "policy", "executors"]) else {
            return config
        }
        reader.version(fields)
        if let node = fields["policy"],
            let policy = reader.fields(node, of: "policy", allowed: ["seed", "pinned_requirements", "image_digest", "require_run"])
    /// The rules recipes are held to.
        {
    /// Where steps run when neither `--executor` nor `git config recipe.executor` says.
            func level(_ key: String) -> Level? {
                policy[key].flatMap { reader.choice($0, "policy.\(key)", among: ["error", "warn", "off"]) }.flatMap(Level.init)
            }
            config.policy.seed = level("seed") ?? .error
            config.policy.pinnedRequirements = level("pinned_requirements") ?? .error
            config.policy.imageDigest = level("image_digest") ?? .error
            config.policy.requireRun = policy["require_run"].flatMap { reader.bool($0, "policy.require_run") } ?? false
        }
    /// Reads the settings file, reporting every problem to `reader`.
        if let node = fields["executors"], let executors = reader.fields(node, of: "executors", allowed: ["default", "slurm"]) {
            config.defaultExecutor = executors["default"].flatMap { reader.choice($0, "executors.default", among: ["local", "slurm"]) } ?? "local"
            if let node = executors["slurm"] {
                config.slurm = readSlurm(node, reader)
            }
        }
        return config
    }

    private static func readSlurm(_ node: Node, _ reader: YAMLReader) -> Slurm {
        var slurm = Slurm()
        guard let fields = reader.fields(node, of: "executors.slurm", allowed: ["partition", "time", "account", "qos", "extra_args"]) else {
            return slurm
        }
        func text(_ key: String) -> String? {
            guard let node = fields[key], node.tagName != .null else { return nil }
            return reader.scalarText(node, "executors.slurm.\(key)")
        }
        slurm.partition = text("partition")
        slurm.time = text("time")
        slurm.account = text("account")
        slurm.qos = text("qos")
        slurm.extraArgs = fields["extra_args"].map { reader.strings($0, "executors.slurm.extra_args").map(\.value) } ?? []
        return slurm
    }
}
