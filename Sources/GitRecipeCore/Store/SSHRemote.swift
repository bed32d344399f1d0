import Foundation

/// A store in a directory of a host reached with the user's own ssh
/// (`ssh://[user@]host[:port]/path`): `GIT_SSH_COMMAND`, else `core.sshCommand`, else `ssh`,
/// so keys, agents, `~/.ssh/config` and jump hosts apply as they do for git. Objects move with
/// rsync when this machine has it (up to four streams up, two down; rsync writes each file under a
/// temporary name and renames it; downloads are verified as they land), else one `ssh … cat` per object into a temporary name
/// that is then renamed. ssh runs in batch mode: a key it cannot use without a prompt fails
/// at once instead of hanging a transfer. Every remote path is quoted for the remote shell.
struct SSHRemote: RemoteStore {
    let name: String
    /// `[user@]host`.
    let destination: String
    /// The port, when the URL gives one.
    let port: Int?
    /// The store's directory on the host.
    let path: String
    /// The user's ssh command line, as a shell fragment (git's `GIT_SSH_COMMAND` convention).
    let ssh: String
    /// Whether objects move with rsync; without it, with one ssh per object.
    var rsync = SSHRemote.hasRsync

    /// The ssh command git would use for `repository`.
    static func command(repository: Repository) -> String {
        if let command = ProcessInfo.processInfo.environment["GIT_SSH_COMMAND"], !command.isEmpty { return command }
        return ((try? repository.config("core.sshCommand")) ?? nil) ?? "ssh"
    }

    /// Whether rsync is on this machine's PATH.
    static let hasRsync = ProgramPath.find("rsync") != nil

    func holds(_ objects: Set<ContentDigest>) throws(RemoteStoreError) -> Set<ContentDigest> {
        guard !objects.isEmpty else { return [] }
        // One connection: the paths go in on stdin, those that exist come back.
        var process = sshProcess(
            "cd \(path.shellQuoted) 2>/dev/null || exit 0; while read -r object; do [ -f \"$object\" ] && echo \"$object\"; done; exit 0")
        process.input = Data(objects.map { relative($0) + "\n" }.joined().utf8)
        let listing = try run(process, doing: "be read")
        return Set(
            listing.split(separator: "\n").compactMap { line in
                let parts = line.split(separator: "/")
                return parts.count == 3 && parts[0] == "sha256" ? ContentDigest(hex: String(parts[1] + parts[2])) : nil
            })
    }

    func upload(_ objects: [ContentDigest], from local: ObjectStore, progress: TransferProgress) throws(RemoteStoreError) {
        guard rsync else {
            return try each(objects) { digest throws(RemoteStoreError) in
                let object = relative(digest)
                let directory = "\(path)/\((object as NSString).deletingLastPathComponent)".shellQuoted
                let temporary = "\(path)/\(object).tmp-\(UUID().uuidString)".shellQuoted
                var process = sshProcess(
                    "mkdir -p \(directory) && cat > \(temporary) && chmod 444 \(temporary) && mv -f \(temporary) \("\(path)/\(object)".shellQuoted) "
                        + "|| { rm -f \(temporary); exit 1; }")
                process.inputFile = local.path(of: digest)
                try run(process, doing: "receive \(digest.short)")
                progress.done(bytes: local.size(of: digest))
            }
        }
        try concurrentForEach(streams(of: objects), workers: 4) { stream throws(RemoteStoreError) in
            try run(
                rsyncProcess(stream, ["--rsync-path", "mkdir -p \(path.shellQuoted) && rsync", local.root + "/", "\(destination):\(path)/"]),
                doing: "receive objects")
            for digest in stream { progress.done(bytes: local.size(of: digest)) }
        }
    }

    func download(_ objects: [ContentDigest], into local: ObjectStore, progress: TransferProgress) throws(RemoteStoreError) {
        guard rsync else {
            return try each(objects) { digest throws(RemoteStoreError) in
                let temporary = try storeStep(local.temporaryPath(for: digest))
                var process = sshProcess("cat \("\(path)/\(relative(digest))".shellQuoted)")
                process.outputFile = temporary
                do throws(RemoteStoreError) {
                    try run(process, doing: "send \(digest.short)")
                } catch {
                    unlink(temporary)
                    throw error
                }
                try keep(temporary, as: digest, in: local, progress: progress)
            }
        }
        guard !objects.isEmpty else { return }
        // Two rsync streams land the files in a staging directory of the local store, each
        // under a temporary name until it is whole; meanwhile this thread verifies every file
        // that has landed and renames it into place (more streams leave the hashing too
        // little of the cores: measured here, 2 beat 4 by a tenth on a gigabyte in a thousand
        // files). The staging directory goes at the end.
        let staging = try storeStep(local.stagingDirectory())
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let landed = { @Sendable [self] (digest: ContentDigest) in "\(staging)/\(relative(digest))" }
        let transfers = streams(of: objects, most: 2).map { rsyncProcess($0, ["\(destination):\(path)/", staging + "/"]) }
        let finished = DispatchSemaphore(value: 0)
        let outcome = Slots<Result<Void, RemoteStoreError>>(count: 1)
        onOwnThread {
            outcome[0] = Result { () throws(RemoteStoreError) in
                try concurrentForEach(transfers, workers: transfers.count) { transfer throws(RemoteStoreError) in
                    try run(transfer, doing: "send objects")
                }
            }
            finished.signal()
        }
        var pending = objects
        var failure: RemoteStoreError?
        var ended = false
        while failure == nil && !ended {
            ended = finished.wait(timeout: .now()) == .success
            if ended { break }
            pending = pending.filter { digest in
                guard failure == nil, access(landed(digest), F_OK) == 0 else { return true }
                do throws(RemoteStoreError) {
                    try keep(landed(digest), as: digest, in: local, progress: progress)
                } catch {
                    failure = error
                }
                return false
            }
            usleep(100_000)
        }
        if !ended { finished.wait() }
        if let failure { throw failure }
        // The transfers have ended: what landed since the last look is verified on every
        // core, now that rsync needs none.
        if case .failure(let error)? = outcome[0] { throw error }
        if let missing = pending.first(where: { access(landed($0), F_OK) != 0 }) {
            throw .failed(name: name, doing: "send \(missing.short)", reason: "rsync ended without it")
        }
        try concurrentForEach(pending, workers: ProcessInfo.processInfo.activeProcessorCount) { [self] digest throws(RemoteStoreError) in
            try keep(landed(digest), as: digest, in: local, progress: progress)
        }
    }

    /// Keeps a downloaded file, or says the store sent other bytes.
    private func keep(_ file: String, as digest: ContentDigest, in local: ObjectStore, progress: TransferProgress) throws(RemoteStoreError) {
        let bytes = try storeStep(local.adopt(file, as: digest) { _ in .damaged(digest, path: file) }, corrupt: digest)
        progress.done(bytes: bytes)
    }

    /// `body`'s value, its store error turned into this store's (a damaged download is
    /// this store's fault).
    private func storeStep<Value>(_ body: @autoclosure () throws(StoreError) -> Value, corrupt digest: ContentDigest? = nil) throws(RemoteStoreError)
        -> Value
    {
        do {
            return try body()
        } catch {
            if case .damaged = error, let digest { throw .corrupt(name: name, digest: digest) }
            throw .local(error)
        }
    }

    /// `objects` dealt into up to `most` rsync streams of at least 64 objects: parallel streams
    /// keep the connection busy while one of them waits on the disk (measured here: four beat
    /// one by a quarter on a gigabyte in a thousand files).
    private func streams(of objects: [ContentDigest], most: Int = 4) -> [[ContentDigest]] {
        let count = min(most, (objects.count + 63) / 64)
        return (0..<count).map { stream in stride(from: stream, to: objects.count, by: count).map { objects[$0] } }
    }

    /// `body` for each object, four at once (one ssh each).
    private func each(_ objects: [ContentDigest], _ body: @escaping @Sendable (ContentDigest) throws(RemoteStoreError) -> Void)
        throws(RemoteStoreError)
    {
        try concurrentForEach(objects, workers: 4, body)
    }

    /// The ssh command line with batch mode and the port, as one shell fragment.
    private var sshLine: String {
        "\(ssh) -o BatchMode=yes" + (port.map { " -p \($0)" } ?? "")
    }

    /// ssh running `command` on the host.
    private func sshProcess(_ command: String) -> ChildProcess {
        // The user's command line is a shell fragment (as git runs it); the arguments after
        // it are passed as words, never re-read by this machine's shell.
        ChildProcess(arguments: ["sh", "-c", sshLine + " \"$@\"", "ssh", destination, command], directory: "/")
    }

    /// rsync moving `objects` (named relative to both roots) with `arguments` saying from where to where.
    private func rsyncProcess(_ objects: [ContentDigest], _ arguments: [String]) -> ChildProcess {
        ChildProcess(
            arguments: ["rsync", "--files-from=-", "--chmod=F444", "-e", sshLine] + arguments, directory: "/",
            input: Data(objects.map { relative($0) + "\n" }.joined().utf8))
    }

    /// Runs `process`; a failure says what ssh or rsync said.
    @discardableResult
    private func run(_ process: ChildProcess, doing: String) throws(RemoteStoreError) -> String {
        let outcome: ChildProcess.Outcome
        do {
            outcome = try process.run()
        } catch {
            throw .failed(name: name, doing: doing, reason: "\(error)")
        }
        guard outcome.status == 0 else {
            let said = outcome.stderr.split(separator: "\n").suffix(3).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
            let hint =
                outcome.status == 255
                ? " (check that `\(sshLine) \(destination) true` works without a prompt: a key in ssh-agent or ~/.ssh/config)" : ""
            throw .failed(
                name: name, doing: doing, reason: "\(process.arguments[0] == "rsync" ? "rsync" : "ssh") exited \(outcome.status): \(said)\(hint)")
        }
        return outcome.stdout
    }

    /// Where an object lives below a store's root.
    private func relative(_ digest: ContentDigest) -> String {
        "sha256/\(digest.hex.prefix(2))/\(digest.hex.dropFirst(2))"
    }
}
