import Foundation
import Synchronization

/// A store in an S3 bucket (`s3://bucket/prefix`), or any server that speaks the S3 API
/// (`recipe.store.NAME.endpoint`, or `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`). Requests
/// are signed with SigV4 here and carried by curl, which streams bodies from and to files;
/// credentials come from the standard AWS variables and reach curl only as a signature, on
/// its standard input, never in its arguments. A PUT is atomic (the object appears whole or
/// not at all) and is signed with the object's SHA-256, which S3 checks against the body;
/// a GET lands on a temporary file that is hashed before the local store keeps it.
/// Server errors (5xx), dropped connections and stalls are retried (three tries, backing
/// off); a transfer that makes no progress for `stallTimeout` seconds counts as stalled.
struct S3Remote: RemoteStore {
    let name: String
    let bucket: String
    /// Keys start with this and `/` (nothing when empty).
    let prefix: String
    /// `scheme://host[:port]` and the path before the key (`/bucket` when path-style).
    private let base: (origin: String, host: String, path: String)
    private let signer: SigV4
    /// Seconds without a byte before a transfer counts as stalled.
    let stallTimeout: TimeInterval

    init(
        name: String, bucket: String, prefix: String, endpoint: String?, region: String?, stallTimeout: TimeInterval,
        environment: [String: String]
    ) throws(RemoteStoreError) {
        guard let credentials = SigV4.Credentials(environment: environment) else { throw .noCredentials(name: name) }
        self.name = name
        self.bucket = bucket
        self.prefix = prefix
        self.stallTimeout = stallTimeout
        let region = region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        signer = SigV4(credentials: credentials, region: region)
        if let endpoint = endpoint ?? environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"] {
            // An S3-compatible server: path-style addressing, as such servers expect.
            guard let url = URLComponents(string: endpoint), let scheme = url.scheme, let host = url.host, ["http", "https"].contains(scheme)
            else { throw .failed(name: name, doing: "be opened", reason: "its endpoint '\(endpoint)' is not an http(s) URL") }
            let authority = host + (url.port.map { ":\($0)" } ?? "")
            base = ("\(scheme)://\(authority)", authority, url.path.trimmingSlash == "/" ? "/\(bucket)" : "\(url.path.trimmingSlash)/\(bucket)")
        } else {
            let host = "\(bucket).s3.\(region).amazonaws.com"
            base = ("https://\(host)", host, "")
        }
    }

    func holds(_ objects: Set<ContentDigest>) throws(RemoteStoreError) -> Set<ContentDigest> {
        let held = Mutex<Set<ContentDigest>>([])
        try concurrentForEach(Array(objects), workers: concurrentTransfers) { digest throws(RemoteStoreError) in
            if try request("HEAD", path: objectPath(digest), absentIsAnswer: true, doing: "be asked for \(digest.short)").status != 404 {
                held.withLock { _ = $0.insert(digest) }
            }
        }
        return held.withLock { $0 }
    }

    func upload(_ objects: [ContentDigest], from local: ObjectStore, progress: TransferProgress) throws(RemoteStoreError) {
        try concurrentForEach(objects, workers: concurrentTransfers) { digest throws(RemoteStoreError) in
            try request(
                "PUT", path: objectPath(digest), payloadHash: digest.hex, upload: local.path(of: digest), doing: "receive \(digest.short)")
            progress.done(bytes: local.size(of: digest))
        }
    }

    func download(_ objects: [ContentDigest], into local: ObjectStore, progress: TransferProgress) throws(RemoteStoreError) {
        try concurrentForEach(objects, workers: concurrentTransfers) { digest throws(RemoteStoreError) in
            // Bytes that do not hash to the name are fetched once more, then reported.
            for attempt in 1...2 {
                let temporary: String
                do throws(StoreError) { temporary = try local.temporaryPath(for: digest) } catch { throw .local(error) }
                // request removes the file when it fails.
                try request("GET", path: objectPath(digest), download: temporary, doing: "send \(digest.short)")
                do throws(StoreError) {
                    progress.done(bytes: try local.adopt(temporary, as: digest) { _ in .damaged(digest, path: temporary) })
                    return
                } catch {
                    guard case .damaged = error else { throw .local(error) }
                    if attempt == 2 { throw .corrupt(name: name, digest: digest) }
                }
            }
        }
    }

    /// The request path of an object: its key is the prefix, then the local store's layout.
    private func objectPath(_ digest: ContentDigest) -> String {
        let key = "sha256/\(digest.hex.prefix(2))/\(digest.hex.dropFirst(2))"
        return base.path + "/" + SigV4.encode(prefix.isEmpty ? key : "\(prefix)/\(key)", keepSlash: true)
    }

    /// The empty body's SHA-256.
    private static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Sends one signed request through curl, retrying server errors, dropped connections
    /// and stalls; returns the status and (unless it went to `download`) the body. A 404 is
    /// an answer, not a failure, when `absentIsAnswer`.
    @discardableResult
    private func request(
        _ method: String, path: String, payloadHash: String = emptyHash, upload: String? = nil, download: String? = nil,
        absentIsAnswer: Bool = false, doing: String
    ) throws(RemoteStoreError) -> (status: Int, body: String) {
        var problem = ""
        for attempt in 0..<3 {
            if attempt > 0 { usleep(useconds_t(250_000 << (2 * (attempt - 1)))) }
            if let download { unlink(download) }
            let headers = signer.sign(method: method, host: base.host, path: path, query: [], payloadHash: payloadHash, date: Date())
            var config = [
                "url = \(Self.quoted(base.origin + path))", method == "HEAD" ? "head" : "request = \(Self.quoted(method))",
                "silent", "show-error", "connect-timeout = 10", "speed-limit = 1",
                "speed-time = \(max(1, Int(stallTimeout.rounded(.up))))", "write-out = \(Self.quoted("\n%{http_code}"))",
            ]
            config += headers.sorted { $0.key < $1.key }.map { "header = \(Self.quoted("\($0.key): \($0.value)"))" }
            if let upload { config.append("upload-file = \(Self.quoted(upload))") }
            if let download { config.append("output = \(Self.quoted(download))") }
            let outcome: ChildProcess.Outcome
            do {
                outcome = try ChildProcess(arguments: ["curl", "--config", "-"], directory: "/", input: Data(config.joined(separator: "\n").utf8))
                    .run()
            } catch {
                throw .failed(name: name, doing: doing, reason: "\(error)")
            }
            let lines = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let status = Int(lines.last ?? "") ?? 0
            let body = lines.dropLast().joined(separator: "\n")
            if outcome.status == 0 && ((200..<300).contains(status) || (absentIsAnswer && status == 404)) { return (status, body) }
            if download != nil && status >= 300, let text = try? String(contentsOfFile: download ?? "", encoding: .utf8) {
                problem = Self.explain(status, text)
            } else {
                problem =
                    outcome.status != 0
                    ? "curl exited \(outcome.status): \(outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines))" : Self.explain(status, body)
            }
            // Retried: a server error, and a connection refused, dropped or stalled.
            guard status >= 500 || [7, 18, 28, 52, 55, 56].contains(outcome.status) else { break }
        }
        if let download { unlink(download) }
        throw .failed(name: name, doing: doing, reason: problem)
    }

    /// An S3 error answer as `HTTP status Code: Message`.
    private static func explain(_ status: Int, _ body: String) -> String {
        let code = elements("Code", in: body).first
        let message = elements("Message", in: body).first
        var text = "HTTP \(status)" + (code.map { " \($0)" } ?? "") + (message.map { ": \($0)" } ?? "")
        if code == "NoSuchBucket" { text += " (create the bucket first, e.g. aws s3 mb s3://BUCKET)" }
        if code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" || (status == 403 && code == nil) {
            text += " (refused: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that they may use the bucket)"
        }
        return text
    }

    /// The text of every `<name>…</name>` element in `xml`, entities decoded.
    static func elements(_ name: String, in xml: String) -> [String] {
        xml.components(separatedBy: "<\(name)>").dropFirst().compactMap { part in
            part.range(of: "</\(name)>").map { range in
                String(part[..<range.lowerBound]).replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                    .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
                    .replacingOccurrences(of: "&amp;", with: "&")
            }
        }
    }

    /// `value` as a quoted string of curl's config syntax.
    private static func quoted(_ value: String) -> String {
        "\""
            + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r") + "\""
    }
}
