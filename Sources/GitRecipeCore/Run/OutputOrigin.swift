import Foundation

/// Which recorded run the work tree's outputs of a recipe came from, for `status`.
public enum OutputOrigin: Equatable, Sendable {
    /// None of the recipe's outputs is on disk.
    case absent
    /// Every output on disk is what this run recorded.
    case run(String)
    /// What is on disk matches none of the runs looked at.
    case unrecorded

    /// Compares the outputs of `pipeline` on disk with what each of `runs` recorded, newest
    /// first: the first run whose outputs all match (those on disk by digest, and no other)
    /// is where they came from.
    public static func of(_ pipeline: Pipeline, in repository: Repository, locker: Locker, among runs: [RunRecord]) throws -> OutputOrigin {
        let declared = pipeline.steps.flatMap(\.outputs)
        let present = declared.filter { path in
            var info = stat()
            return lstat("\(repository.workTree)/\(path.trimmingSlash)", &info) == 0
        }
        guard !present.isEmpty else { return .absent }
        let here = Dictionary(zip(present, try locker.measure(present).map(\.digest.description))) { first, _ in first }
        for run in runs.sorted(by: { $0.id > $1.id }) where run.recipe == pipeline.recipe.name {
            guard let outputs = try? run.manifest().outputs else { continue }
            if outputs.count == here.count && here.allSatisfy({ outputs[$0.key]?.digest == $0.value }) { return .run(run.id) }
        }
        return .unrecorded
    }
}
