import Foundation

/// The pre-push hook's check: ``Verifier`` over every pushed range, and a
/// reminder that run records travel separately.
public struct PrePushCheck {
    /// The repository pushed from.
    public let repository: Repository
    /// The remote pushed to, as git names it to the hook.
    public let remote: String

    /// The check of a push from `repository` to `remote`.
    public init(repository: Repository, remote: String) {
        self.repository = repository
        self.remote = remote
    }

    /// The id git passes for a ref that does not exist on one side.
    private static let zero = String(repeating: "0", count: 40)

    /// Checks what git writes to a pre-push hook's stdin: `<local ref> <local sha> <remote ref> <remote sha>` per line.
    public func findings(for lines: [String]) throws -> Findings {
        var findings = Findings()
        var pushesNotes = false
        let verifier = Verifier(repository: repository)
        for line in lines {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 4 else { continue }
            if fields[2] == Repository.notesRef { pushesNotes = true }
            // A deletion, or a ref to something that is no commit (a tag of a blob). An
            // annotated tag is judged by the commit it tags.
            guard fields[1] != Self.zero, ObjectID(hex: fields[1]) != nil, let tip = try repository.commit(named: fields[1]) else { continue }
            let hidden: [ObjectID]
            if fields[3] != Self.zero, ObjectID(hex: fields[3]) != nil, let remoteTip = try repository.commit(named: fields[3]) {
                hidden = [remoteTip]
            } else {
                // A new branch, or a remote tip this clone has never seen: what the remote
                // is known to have already is every remote-tracking branch.
                hidden = try repository.referenceTargets(under: "refs/remotes/\(remote)/")
            }
            let result = try verifier.findings(.range(tip: tip, hidden: hidden), share: "git recipe push \(remote)")
            findings.problems += result.findings.problems
            findings.warnings += result.findings.warnings
        }
        if !pushesNotes, try !repository.referenceTargets(under: Repository.notesRef).isEmpty {
            findings.warnings.append(
                "run records live in \(Repository.notesRef), which pushing branches does not send; share them: git recipe push \(remote)")
        }
        return findings
    }
}
