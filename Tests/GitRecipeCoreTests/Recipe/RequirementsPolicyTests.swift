import Testing

@testable import GitRecipeCore

/// pip's reading of a requirements file, for the pinned-requirements policy.
@Suite("Pinned requirements")
struct RequirementsPolicyTests {
    func problems(_ text: String) -> [String] {
        RequirementsPolicy.check(text, file: "requirements.txt", level: .error).map(\.description)
    }

    /// A Windows file used to read as one comment line (CRLF is one Character in Swift).
    @Test func crlfLinesAreLinesAndAPinnedCRLFFileIsAccepted() {
        #expect(problems("# pinned\r\nnumpy==2.4.6\r\nscipy==1.17.1\r\n").isEmpty)
        #expect(
            problems("# loose\r\nnumpy\r\nscipy==1.17.1\r\n") == [
                "requirements.txt:2:1: error: 'numpy' is not pinned exactly; write numpy==VERSION (pip freeze prints the installed version)"
            ])
        #expect(problems("numpy>=1\rscipy==1\r").count == 1, "a bare CR ends a line too")
    }

    @Test(arguments: ["-e.", "-e .", "--editable=.", "-e git+https://example.org/x.git"])
    func editableInstallsPinNothingHoweverWritten(line: String) {
        #expect(
            problems(line + "\n") == [
                "requirements.txt:1:1: error: '\(line)' is an editable install, which pins nothing; install a released version with =="
            ])
    }

    @Test func includedFilesAreNamedHoweverWritten() {
        #expect(problems("-rbase.txt\n").first?.contains("includes another file") == true)
        #expect(problems("--index-url https://example.org/simple\nnumpy==1\n").isEmpty)
    }
}

/// One spelling per path: the one git writes.
@Suite("Repository paths")
struct RepositoryPathTests {
    @Test(arguments: [("./in2.txt", "in2.txt"), ("sub//in2.txt", "sub/in2.txt"), ("sub/./in2.txt", "sub/in2.txt"), ("data//", "data/")])
    func aPathIsRefusedWithItsCanonicalSpelling(path: String, canonical: String) {
        #expect(RepositoryPath.problem(with: path) == "'\(path)' is not written the way git writes it; write '\(canonical)'")
    }

    @Test func canonicalPathsPass() {
        for path in ["in.txt", "sub/in.txt", "data/", ".hidden/x"] { #expect(RepositoryPath.problem(with: path) == nil, "\(path)") }
        #expect(RepositoryPath.problem(with: "./") != nil)
    }
}
