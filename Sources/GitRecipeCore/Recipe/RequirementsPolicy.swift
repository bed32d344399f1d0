import Foundation

/// Checks that a requirements file pins every package exactly (`==`/`===`, or `--hash`),
/// so the environment a lock pins is the environment that gets installed.
enum RequirementsPolicy {
    /// Whether `path` is a pip requirements file: `requirements*.txt`.
    static func applies(to path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name.hasPrefix("requirements") && name.hasSuffix(".txt")
    }

    /// One diagnostic per line that does not pin its package, at `level`.
    static func check(_ text: String, file: String, level: ProjectConfig.Level) -> [Diagnostic] {
        guard level != .off else { return [] }
        let severity: Diagnostic.Severity = level == .error ? .error : .warning
        var diagnostics: [Diagnostic] = []
        var logical = ""
        var start = 1
        // Lines end as pip ends them: `\n`, `\r\n` (one Character in Swift, which a split on
        // "\n" would not see, reading a Windows file as one comment line) or `\r`.
        for (index, physical) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if logical.isEmpty { start = index + 1 }
            if physical.hasSuffix("\\") {
                logical += physical.dropLast() + " "
                continue
            }
            logical += physical
            if let problem = problem(with: logical) {
                diagnostics.append(Diagnostic(severity, problem, file: file, line: start, column: column(of: logical)))
            }
            logical = ""
        }
        return diagnostics
    }

    /// The column where a line's requirement starts.
    private static func column(of line: String) -> Int {
        (line.firstIndex { $0 != " " && $0 != "\t" }.map { line.distance(from: line.startIndex, to: $0) } ?? 0) + 1
    }

    /// What is wrong with one logical line, or `nil` when it pins (or is not a requirement).
    static func problem(with line: String) -> String? {
        let content = String(line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
            .trimmingCharacters(in: .whitespaces)
        if content.isEmpty || content.hasPrefix("--hash") { return nil }
        // Short options take their value attached or not, as pip reads them: `-e.`, `-e .`, `-rbase.txt`.
        func option(_ short: String, _ long: String) -> Bool {
            content.hasPrefix(long) || (content.hasPrefix(short) && !content.hasPrefix("--"))
        }
        if option("-e", "--editable") {
            return "'\(content)' is an editable install, which pins nothing; install a released version with =="
        }
        if option("-r", "--requirement") || option("-c", "--constraint") {
            return "'\(content)' includes another file, which git-recipe does not follow; list that file in environment.files instead"
        }
        if content.hasPrefix("-") { return nil }
        if content.contains("--hash=") { return nil }
        let requirement = content.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces)
        if requirement.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[^\s*,<>=!~]+/) != nil { return nil }
        let name = requirement.prefix { $0.isLetter || $0.isNumber || "._-".contains($0) }
        return
            "'\(requirement)' is not pinned exactly; write \(name.isEmpty ? "NAME" : String(name))==VERSION (pip freeze prints the installed version)"
    }
}
