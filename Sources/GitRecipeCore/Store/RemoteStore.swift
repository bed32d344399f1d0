import Foundation

/// A store in another place, named in git config as `recipe.store.NAME.url`:
/// `file:///shared/path`, `ssh://[user@]host[:port]/path` or `s3://bucket/prefix`. Every kind
/// keeps objects under the same names as the local store (`sha256/AB/CDEF…`); an upload lands
/// under a temporary name and is renamed (or is a single S3 PUT), and a download is hashed
/// before the local store keeps it, so an interrupted transfer leaves nothing corrupt on
/// either side.
protocol RemoteStore: Sendable {
    /// The name it has in git config.
    var name: String { get }
    /// Those of `objects` it holds (a temporary file of an unfinished upload is not an
    /// object). Asked per object, never by listing the store: a store shared by many
    /// projects costs nothing extra.
    func holds(_ objects: Set<ContentDigest>) throws(RemoteStoreError) -> Set<ContentDigest>
    /// Copies `objects` from `local` to this store, reporting each one done to `progress`.
    func upload(_ objects: [ContentDigest], from local: ObjectStore, progress: TransferProgress) throws(RemoteStoreError)
    /// Copies `objects` from this store into `local`, each verified before it is kept.
    func download(_ objects: [ContentDigest], into local: ObjectStore, progress: TransferProgress) throws(RemoteStoreError)
}

/// How many transfers run at once; each waits mostly on the network or the disk.
let concurrentTransfers = 8

/// The stores configured for a repository, and opening one by name.
public struct RemoteStores {
    /// Store name → its `url`.
    public let urls: [String: String]
    /// Every `recipe.store.*` setting, for a store's other keys (endpoint, region, timeout).
    private let settings: [String: String]
    /// Where the stores are configured.
    private let repository: Repository

    /// The stores `repository`'s git config names.
    public init(repository: Repository) throws {
        self.repository = repository
        settings = try repository.config(matching: #"^recipe\.store\..*"#)
        var urls: [String: String] = [:]
        for (key, value) in settings where key.hasSuffix(".url") {
            urls[String(key.dropFirst("recipe.store.".count).dropLast(".url".count))] = value
        }
        self.urls = urls
    }

    /// The store called `name`; without a name, the only one configured.
    func open(_ name: String?) throws(RemoteStoreError) -> any RemoteStore {
        guard let name = name ?? (urls.count == 1 ? urls.keys.first : nil) else {
            throw urls.isEmpty ? .noStores : .whichStore(names: urls.keys.sorted())
        }
        guard let url = urls[name] else { throw .unknown(name: name, names: urls.keys.sorted()) }
        let setting = { (key: String) in self.settings["recipe.store.\(name).\(key)"] }
        let timeout = setting("timeout").flatMap(TimeInterval.init) ?? 30
        switch StoreAddress(url) {
        case .file(let path): return FileRemote(name: name, path: path)
        case .ssh(let destination, let port, let path):
            return SSHRemote(name: name, destination: destination, port: port, path: path, ssh: SSHRemote.command(repository: repository))
        case .s3(let bucket, let prefix):
            return try S3Remote(
                name: name, bucket: bucket, prefix: prefix, endpoint: setting("endpoint"), region: setting("region"),
                stallTimeout: timeout, environment: ProcessInfo.processInfo.environment)
        case nil: throw .badURL(name: name, url: url)
        }
    }

    /// The stores, among those configured, that hold every one of `objects`; a store that
    /// cannot be asked is left out, with why.
    public func holding(_ objects: Set<ContentDigest>) -> (stores: [String], unreachable: [String]) {
        var stores: [String] = []
        var unreachable: [String] = []
        for name in urls.keys.sorted() {
            do throws(RemoteStoreError) {
                if try open(name).holds(objects).count == objects.count { stores.append(name) }
            } catch {
                unreachable.append("\(name): \(error.description)")
            }
        }
        return (stores, unreachable)
    }
}

/// What `recipe.store.NAME.url` says, parsed.
enum StoreAddress: Equatable {
    /// A directory on a file system this machine mounts.
    case file(path: String)
    /// A directory on a host reached by ssh: `[user@]host`, the port if given, the path.
    case ssh(destination: String, port: Int?, path: String)
    /// A bucket and a key prefix (no leading or trailing slash; empty for the whole bucket).
    case s3(bucket: String, prefix: String)

    /// `nil` for anything but the three forms with a non-empty path.
    init?(_ url: String) {
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = String(url[scheme.upperBound...])
        switch url[..<scheme.lowerBound] {
        case "file":
            guard rest.hasPrefix("/"), rest.count > 1 else { return nil }
            self = .file(path: rest.trimmingSlash)
        case "ssh":
            guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else { return nil }
            var destination = String(rest[..<slash])
            let path = String(rest[slash...]).trimmingSlash
            var port: Int?
            if let colon = destination.lastIndex(of: ":") {
                guard let number = Int(destination[destination.index(after: colon)...]), (1...65535).contains(number) else { return nil }
                port = number
                destination = String(destination[..<colon])
            }
            // A destination starting with '-' would be read by ssh as an option.
            guard !destination.isEmpty, !destination.hasPrefix("-"), path.count > 1 else { return nil }
            self = .ssh(destination: destination, port: port, path: path)
        case "s3":
            let parts = rest.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bucket = parts.first, bucket.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else { return nil }
            self = .s3(bucket: bucket, prefix: parts.count > 1 ? parts[1].trimmingSlash : "")
        default: return nil
        }
    }
}

/// Counts objects and bytes as they arrive, for a progress line; `@unchecked Sendable`: the
/// counters are only touched with `lock` held.
public final class TransferProgress: @unchecked Sendable {
    /// Told the objects done, the objects to move and the bytes done, after each object.
    private let report: @Sendable (_ done: Int, _ total: Int, _ bytes: Int64) -> Void
    private var done = 0
    private var total = 0
    private var bytes: Int64 = 0
    private let lock = NSLock()

    /// Reports to `report` after each object.
    public init(report: @escaping @Sendable (_ done: Int, _ total: Int, _ bytes: Int64) -> Void = { _, _, _ in }) {
        self.report = report
    }

    /// Sets how many objects are to move.
    func expect(_ objects: Int) {
        lock.withLock { total = objects }
    }

    /// Counts one object of `size` bytes done.
    func done(bytes size: Int64) {
        let counts: (done: Int, total: Int, bytes: Int64) = lock.withLock {
            done += 1
            bytes += size
            return (done, total, bytes)
        }
        report(counts.done, counts.total, counts.bytes)
    }
}

/// A remote store could not be opened or refused a transfer; nothing half-written is left on
/// either side.
public enum RemoteStoreError: RecipeError, Equatable {
    case noStores
    case whichStore(names: [String])
    case unknown(name: String, names: [String])
    case badURL(name: String, url: String)
    case noCredentials(name: String)
    /// The store answered, or its transport failed, with `reason`.
    case failed(name: String, doing: String, reason: String)
    /// An object arrived with other bytes than its name says, on every try.
    case corrupt(name: String, digest: ContentDigest)
    /// The local store could not keep what arrived.
    case local(StoreError)

    /// Exit 2 for a store that is not configured correctly; 1 when a transfer fails.
    public var exitStatus: ExitStatus {
        switch self {
        case .noStores, .whichStore, .unknown, .badURL, .noCredentials: .invalidInput
        case .failed, .corrupt, .local: .checkFailed
        }
    }

    /// What the user reads: what is wrong, and the command that fixes it.
    public var description: String {
        switch self {
        case .noStores:
            "no artifact store is configured; name one: git config recipe.store.NAME.url file:///shared/path "
                + "(or ssh://host/path, s3://bucket/prefix)"
        case .whichStore(let names):
            "several artifact stores are configured (\(names.joined(separator: ", "))); name one: git recipe push --artifacts NAME"
        case .unknown(let name, let names):
            "no artifact store '\(name)' is configured"
                + (names.isEmpty ? "" : " (configured: \(names.joined(separator: ", ")))")
                + "; add it: git config recipe.store.\(name).url URL"
        case .badURL(let name, let url):
            "recipe.store.\(name).url is '\(url)', which is not file:///path, ssh://[user@]host[:port]/path or s3://bucket[/prefix]; "
                + "fix it: git config recipe.store.\(name).url URL"
        case .noCredentials(let name):
            "store '\(name)' is on S3 and AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set; export them "
                + "(and AWS_SESSION_TOKEN for temporary credentials); they are never recorded"
        case .failed(let name, let doing, let reason):
            "store '\(name)' could not \(doing): \(reason); nothing half-written was left, and running the command again resumes"
        case .corrupt(let name, let digest):
            "store '\(name)' gave other bytes than object \(digest.short) holds, on every try; nothing was kept from it. "
                + "Push the object again from a clone that has it: git recipe push --artifacts \(name)"
        case .local(let error): error.description
        }
    }
}
