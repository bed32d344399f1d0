import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

@Suite("File transactions")
struct FileTransactionTests {
    /// Writers that each need the same missing directories all succeed: a directory another
    /// made a moment before is used, not an error ("file exists" failed `git recipe keep`
    /// when two first writers made `.git/recipes` at once).
    @Test func writersMakingTheSameDirectoriesAtOnceAllSucceed() throws {
        for _ in 0..<20 {
            let root = try TemporaryDirectory()
            let writers = 8
            let outcomes = Slots<Result<Void, any Error>>(count: writers)
            DispatchQueue.concurrentPerform(iterations: writers) { writer in
                outcomes[writer] = Result {
                    var transaction = FileTransaction()
                    transaction.write(Data("\(writer)\n".utf8), to: URL(fileURLWithPath: "\(root.path)/a/b/c/\(writer)"))
                    try transaction.commit()
                }
            }
            for outcome in outcomes.values { try outcome.get() }
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root.path)/a/b/c").count == writers)
        }
    }

    /// A directory that cannot be made fails the transaction naming it, and leaves nothing.
    @Test func aDirectoryThatCannotBeMadeIsNamed() throws {
        let root = try TemporaryDirectory()
        try Data().write(to: URL(fileURLWithPath: "\(root.path)/a"))
        var transaction = FileTransaction()
        transaction.write(Data("x".utf8), to: URL(fileURLWithPath: "\(root.path)/a/b/file"))
        let error = #expect(throws: FileWriteError.self) { try transaction.commit() }
        #expect(error?.path == "\(root.path)/a/b", "\(String(describing: error))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["a"])
    }
}
