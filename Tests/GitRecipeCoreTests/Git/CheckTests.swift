import CLibGit2
import Testing

@testable import GitRecipeCore

/// The ways into libgit2: a lookup tells "absent" from a failure, an iterator its end from one.
@Suite struct CheckTests {
    @Test func aLookupTellsAbsenceFromFailure() throws {
        #expect(try checkFound("find it") { 0 })
        #expect(try !checkFound("find it") { GIT_ENOTFOUND.rawValue })
        #expect(try !checkFound("find it", absent: [GIT_EAMBIGUOUS]) { GIT_EAMBIGUOUS.rawValue })
        let error = #expect(throws: GitError.self) { try checkFound("find it") { GIT_ELOCKED.rawValue } }
        #expect(error?.code == GIT_ELOCKED.rawValue && error?.operation == "find it")
    }

    @Test func anIteratorTellsItsEndFromFailure() throws {
        #expect(try checkNext("list") { 0 })
        #expect(try !checkNext("list") { GIT_ITEROVER.rawValue })
        #expect(throws: GitError.self) { try checkNext("list") { GIT_ERROR.rawValue } }
    }
}
