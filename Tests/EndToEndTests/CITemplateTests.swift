import Foundation
import TestSupport
import Testing
import Yams

/// The CI templates' own commands, run in a fresh clone as the CI job would run them.
@Suite("CI templates")
struct CITemplateTests {
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../templates/ci").standardizedFileURL

    /// A bare remote whose main has a recorded run, and a pull-request branch that changes a
    /// param; the branch's run is recorded and shared only when `runOnBranch`.
    static func pullRequest(runOnBranch: Bool) throws -> (remote: TemporaryDirectory, base: String, head: String, developer: TemporaryGitRepository) {
        let developer = try RunCommandTests.project(RunCommandTests.echo)
        let remote = try TemporaryDirectory("git-recipe-remote")
        _ = try run("git", ["init", "-q", "--bare", remote.path], in: remote.path, environment: developer.environment)
        try developer.git("remote", "add", "origin", remote.path)
        #expect(try developer.recipe("run", "r").status == 0)
        let base = try developer.git("rev-parse", "HEAD")
        try developer.git("checkout", "-q", "-b", "feature")
        try developer.write(".recipes/r.yaml", RunCommandTests.echo.replacingOccurrences(of: "lr: 0.01", with: "lr: 0.02"))
        #expect(try developer.recipe("lock").status == 0)
        try developer.commitAll("a higher learning rate")
        if runOnBranch { #expect(try developer.recipe("run", "r").status == 0) }
        try developer.git("push", "-q", "origin", "main", "feature")
        #expect(try developer.recipe("push").status == 0)
        return (remote, base, try developer.git("rev-parse", "HEAD"), developer)
    }

    /// A clone of the remote at `head`, as a CI runner checks it out.
    static func runner(_ remote: TemporaryDirectory, at head: String) throws -> TemporaryGitRepository {
        let runner = try TemporaryGitRepository()
        try runner.git("remote", "add", "origin", remote.path)
        try runner.git("fetch", "-q", "origin")
        try runner.git("checkout", "-q", "--detach", head)
        return runner
    }

    /// Runs a template's shell lines with bash, as the CI would.
    static func shell(_ script: String, in runner: TemporaryGitRepository, environment: [String: String]) throws -> CommandResult {
        try run(
            "bash", ["-e", "-o", "pipefail", "-c", script], in: runner.path, environment: runner.environment.merging(environment) { _, new in new })
    }

    /// The `run` scripts of the GitHub workflow's steps, by step name.
    static func githubSteps() throws -> [String: String] {
        let text = try String(contentsOf: templates.appending(path: "github/.github/workflows/recipes.yml"), encoding: .utf8)
        let workflow = try #require(try Yams.load(yaml: text) as? [String: Any])
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        let steps = try #require((jobs["verify"] as? [String: Any])?["steps"] as? [[String: Any]])
        return Dictionary(
            uniqueKeysWithValues: steps.compactMap { step in
                (step["name"] as? String).flatMap { name in (step["run"] as? String).map { (name, $0) } }
            })
    }

    @Test func theGitHubWorkflowVerifiesAndSummarisesAPullRequest() throws {
        let (remote, base, head, _) = try Self.pullRequest(runOnBranch: true)
        let runner = try Self.runner(remote, at: head)
        let summary = try TemporaryDirectory()
        let environment = ["BASE": base, "HEAD": head, "GITHUB_STEP_SUMMARY": summary.path + "/summary.md"]
        let steps = try Self.githubSteps()
        for name in ["Fetch run records", "Fetch component sources", "Verify locks and runs", "Compare runs"] {
            let script = try #require(steps[name], "the workflow has a step named '\(name)'")
            let result = try Self.shell(script, in: runner, environment: environment)
            #expect(result.status == 0, "\(name): \(result)")
        }
        let published = try String(contentsOfFile: summary.path + "/summary.md", encoding: .utf8)
        #expect(published.hasPrefix("### git recipe diff\n#### `r`: run `"), "\(published)")
        #expect(published.contains("| params | lr | 0.01 | 0.02 |"), "\(published)")
        #expect(published.contains("| metrics | acc | 0.01 | 0.02 | +0.01 (+100.00%); one run on a side, no spread: not a test |"), "\(published)")
    }

    @Test func theGitHubWorkflowFailsAPullRequestWithoutItsRun() throws {
        let (remote, base, head, _) = try Self.pullRequest(runOnBranch: false)
        let runner = try Self.runner(remote, at: head)
        let environment = ["BASE": base, "HEAD": head]
        let steps = try Self.githubSteps()
        #expect(try Self.shell(try #require(steps["Fetch run records"]), in: runner, environment: environment).status == 0)
        let verify = try Self.shell(try #require(steps["Verify locks and runs"]), in: runner, environment: environment)
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("error: recipe 'r' has no succeeded run for its lock"), "\(verify)")
    }

    @Test func theGitLabJobVerifiesAndWritesTheDiff() throws {
        let (remote, base, head, _) = try Self.pullRequest(runOnBranch: true)
        let runner = try Self.runner(remote, at: head)
        let text = try String(contentsOf: Self.templates.appending(path: "gitlab/.gitlab-ci.yml"), encoding: .utf8)
        let job = try #require((try Yams.load(yaml: text) as? [String: Any])?["recipes"] as? [String: Any])
        let script = try #require(job["script"] as? [String]) + [try #require((job["after_script"] as? [String])?.first)]
        let environment = ["BASE": base, "HEAD": head]
        for line in script {
            let result = try Self.shell(line, in: runner, environment: environment)
            #expect(result.status == 0, "\(line): \(result)")
        }
        #expect(try runner.read("recipe-diff.md").contains("| params | lr | 0.01 | 0.02 |"))
    }

    @Test func initCopiesTheTemplate() throws {
        let repo = try TemporaryGitRepository()
        let result = try repo.recipe("init", "--no-hooks", "--ci", "gitlab")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("wrote .gitlab-ci.yml\n"))
        let template = try String(contentsOf: Self.templates.appending(path: "gitlab/.gitlab-ci.yml"), encoding: .utf8)
        #expect(try repo.read(".gitlab-ci.yml") == template)
        let unknown = try repo.recipe("init", "--ci", "bitbucket")
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "error: no CI template for 'bitbucket'; there are: github, gitlab\n")
    }
}
