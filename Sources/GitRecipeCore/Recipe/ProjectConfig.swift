import Yams

/// Project settings, `.recipes/config.yaml` (docs/reference.md); every key is optional.
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

    /// `artifacts`: which runs' outputs the store keeps.
    public struct Artifacts: Equatable, Sendable {
        /// Whose outputs `gc` keeps: every run's, each recipe's latest succeeded run's, or
        /// none but the pinned runs'. Outputs are stored after every succeeded run unless `none`.
        public enum Keep: String, Sendable {
            case all, latest, none
        }

        /// Whose outputs are kept.
        public var keep = Keep.all
        /// The store's size limit in bytes: `gc` drops the oldest unpinned runs' outputs
        /// beyond it. `nil`: no limit.
        public var maxSize: Int64?
    }

    /// `snapshots`: what `run --snapshot` warns about, and how long `gc` keeps snapshots.
    public struct Snapshots: Equatable, Sendable {
        /// A changed file larger than this is named in a warning (it is committed all the same).
        public var maxFileSize: Int64 = 50 << 20
        /// Days a snapshot nobody promoted or pinned is kept; `gc` deletes older ones' refs.
        public var keepDays = 30
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

    /// The rules recipes are held to.
    var policy = Policy()
    /// Where steps run when neither `--executor` nor `git config recipe.executor` says.
    var defaultExecutor = "local"
    /// How Slurm jobs are submitted.
    public var slurm = Slurm()
    /// What the artifact store keeps.
    public var artifacts = Artifacts()
    /// Snapshot runs' limits.
    public var snapshots = Snapshots()
    /// Repositories of components pinned by commit, in file order.
    public var sources: [ComponentSource] = []
    /// Sources declared with an error (reported): steps that use them are not reported again.
    var brokenSources: Set<String> = []
}

extension ProjectConfig {
    /// Reads the settings file, reporting every problem to `reader`.
    static func read(_ node: Node, reader: YAMLReader) -> ProjectConfig {
        var config = ProjectConfig()
        guard
            let fields = reader.fields(
                node, of: "the configuration", allowed: ["version", "policy", "executors", "artifacts", "snapshots", "components"])
        else {
            return config
        }
        reader.version(fields)
        if let node = fields["policy"],
            let policy = reader.fields(node, of: "policy", allowed: ["seed", "pinned_requirements", "image_digest", "require_run"])
        {
            func level(_ key: String) -> Level? {
                policy[key].flatMap { reader.choice($0, "policy.\(key)", among: ["error", "warn", "off"]) }.flatMap(Level.init)
            }
            config.policy.seed = level("seed") ?? .error
            config.policy.pinnedRequirements = level("pinned_requirements") ?? .error
            config.policy.imageDigest = level("image_digest") ?? .error
            config.policy.requireRun = policy["require_run"].flatMap { reader.bool($0, "policy.require_run") } ?? false
        }
        if let node = fields["executors"], let executors = reader.fields(node, of: "executors", allowed: ["default", "slurm"]) {
            config.defaultExecutor = executors["default"].flatMap { reader.choice($0, "executors.default", among: ["local", "slurm"]) } ?? "local"
            if let node = executors["slurm"] {
                config.slurm = readSlurm(node, reader)
            }
        }
        if let node = fields["artifacts"], let artifacts = reader.fields(node, of: "artifacts", allowed: ["keep", "max_size"]) {
            config.artifacts.keep =
                artifacts["keep"].flatMap { reader.choice($0, "artifacts.keep", among: ["all", "latest", "none"]) }
                .flatMap(Artifacts.Keep.init) ?? .all
            if let node = artifacts["max_size"], node.tagName != .null, let text = reader.scalarText(node, "artifacts.max_size") {
                config.artifacts.maxSize = Self.bytes(text)
                if config.artifacts.maxSize == nil {
                    reader.error("artifacts.max_size '\(text)' is not a size; write bytes or a number with K, M, G or T (20G)", at: node)
                }
            }
        }
        if let node = fields["snapshots"], let snapshots = reader.fields(node, of: "snapshots", allowed: ["max_file_size", "keep_days"]) {
            if let node = snapshots["max_file_size"], let text = reader.scalarText(node, "snapshots.max_file_size") {
                if let bytes = Self.bytes(text) {
                    config.snapshots.maxFileSize = bytes
                } else {
                    reader.error("snapshots.max_file_size '\(text)' is not a size; write bytes or a number with K, M, G or T (50M)", at: node)
                }
            }
            if let node = snapshots["keep_days"], let days = reader.int(node, "snapshots.keep_days") {
                if days.value >= 0 {
                    config.snapshots.keepDays = days.value
                } else {
                    reader.error("snapshots.keep_days must not be negative", at: days.mark)
                }
            }
        }
        if let node = fields["components"] {
            config.sources = ComponentSource.read(node, reader: reader)
            let declared = node.mapping?.keys.compactMap(\.string) ?? []
            config.brokenSources = Set(declared).subtracting(config.sources.map(\.name))
        }
        return config
    }

    /// `20G` as bytes (K, M, G, T are powers of 1024); plain digits are bytes.
    static func bytes(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard let last = trimmed.last else { return nil }
        let (digits, unit) = units[last].map { (trimmed.dropLast(), $0) } ?? (Substring(trimmed), 1)
        guard let number = Int64(digits.trimmingCharacters(in: .whitespaces)), number >= 0 else { return nil }
        return number.multipliedReportingOverflow(by: unit).overflow ? nil : number * unit
    }

    /// Reads `executors.slurm`.
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
