import Foundation

/// What a run records about the machine it ran on.
enum HostFacts {
    /// The facts of the machine this process runs on.
    static func collect() -> RunManifest.Host {
        var uts = utsname()
        uname(&uts)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let memory = (value(in: "/proc/meminfo", key: "MemTotal").flatMap { Int($0.split(separator: " ")[0]) } ?? 0) * 1024
        return RunManifest.Host(
            name: field(uts.nodename),
            os: value(in: "/etc/os-release", key: "PRETTY_NAME", separator: "=")?.trimmingCharacters(in: ["\""]) ?? field(uts.sysname),
            kernel: field(uts.release), arch: field(uts.machine), cpu: value(in: "/proc/cpuinfo", key: "model name") ?? "unknown",
            cores: ProcessInfo.processInfo.activeProcessorCount, memory: memory, gpus: gpus())
    }

    /// `name, driver, memory` per GPU from nvidia-smi, when it is installed. It is looked up
    /// on PATH first: starting a process only to learn it is missing costs every run.
    private static func gpus() -> [String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let candidates: [String] = path.split(separator: ":").map { "\($0)/nvidia-smi" }
        guard let smi = candidates.first(where: { access($0, X_OK) == 0 }) else {
            return []
        }
        let query = ChildProcess(arguments: [smi, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], directory: "/")
        guard let outcome = try? query.run(timeout: 10), outcome.status == 0 else { return [] }
        return outcome.stdout.split(separator: "\n").map { String($0).trimmingCharacters(in: CharacterSet.whitespaces) }.filter { !$0.isEmpty }
    }

    /// The value after `key` in a `key: value` (or `key=value`) text file, trimmed.
    private static func value(in file: String, key: String, separator: Character = ":") -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: separator, maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
