import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// The watch cache's two readers agree: what Swift writes, Swift reads back for the same
/// `.recipes/` entries only, and the key is the one the hook script computes with git.
@Suite struct WatchCacheTests {
    @Test func whatIsWrittenReadsBackForTheSameRecipesOnly() throws {
        let repo = try TemporaryGitRepository()
        try repo.write(".recipes/train.yaml", "version: 1\n")
        try repo.write(".recipes/train.lock", "version: 1\n")
        _ = try repo.git("add", "-A")
        let repository = try Repository.discover(from: repo.path, environment: [:])
        let cache = WatchCache(repository: repository, files: StoredFiles(repository: repository, entries: try repository.indexEntries()))
        #expect(cache.read() == nil)
        cache.write(["train": ["data/", "train.py"], "eval": ["train.py"]])
        let read = try #require(cache.read())
        #expect(read.watched == ["data/", "train.py"])
        #expect(read.byRecipe.map { "\($0.recipe) \($0.path)" } == ["eval train.py", "train data/", "train train.py"])

        // The key is what the installed script computes; a lock staged alone keeps it.
        let shell = try repo.git("ls-files", "-s", "--", ".recipes", ":!.recipes/*.lock")
        #expect(cache.key == ContentDigest.of(Array((shell.hasSuffix("\n") ? shell : shell + "\n").utf8)).hex)
        try repo.write(".recipes/train.lock", "version: 1\n# relocked\n")
        try repo.write(".recipes/other.yaml", "version: 1\n")
        _ = try repo.git("add", ".recipes/train.lock")
        #expect(WatchCache(repository: repository, files: StoredFiles(repository: repository, entries: try repository.indexEntries())).read() != nil)
        _ = try repo.git("add", ".recipes/other.yaml")
        #expect(WatchCache(repository: repository, files: StoredFiles(repository: repository, entries: try repository.indexEntries())).read() == nil)
    }
}
