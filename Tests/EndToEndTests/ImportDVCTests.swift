import Foundation
import TestSupport
import Testing

/// `git recipe import dvc`: DVC's own get-started pipeline, imported as it is
/// published, runs, locks and reproduces without a change to its code; what a recipe has no
/// counterpart for is reported at its line.
@Suite("Importing a DVC pipeline")
struct ImportDVCTests {
    /// DVC's files, as published (see Fixtures/dvc-get-started/README.md).
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "Fixtures/dvc-get-started")

    /// Stand-ins for the pipeline's scripts: the same arguments, the same params read from
    /// params.yaml, the same files written; the standard library and PyYAML only.
    static let scripts = [
        "src/prepare.py": """
        import os, random, sys, yaml
        params = yaml.safe_load(open("params.yaml"))["prepare"]
        random.seed(params["seed"])
        os.makedirs(os.path.join("data", "prepared"), exist_ok=True)
        with open(sys.argv[1]) as source, open("data/prepared/train.tsv", "w") as train, open("data/prepared/test.tsv", "w") as test:
            for line in source:
                (test if random.random() < params["split"] else train).write(line)

        """,
        "src/featurization.py": """
        import json, os, sys, yaml
        params = yaml.safe_load(open("params.yaml"))["featurize"]
        source, target = sys.argv[1], sys.argv[2]
        os.makedirs(target, exist_ok=True)
        for split in ("train", "test"):
            rows = [line.split() for line in open(os.path.join(source, split + ".tsv"))]
            features = [[len(row) % params["max_features"], len(row) % (params["ngrams"] + 1), int(row[0])] for row in rows]
            json.dump(features, open(os.path.join(target, split + ".pkl"), "w"))

        """,
        "src/train.py": """
        import json, os, sys, yaml
        params = yaml.safe_load(open("params.yaml"))["train"]
        rows = json.load(open(os.path.join(sys.argv[1], "train.pkl")))
        threshold = sorted(row[0] for row in rows)[len(rows) * params["n_est"] // 100 % len(rows)]
        json.dump({"threshold": threshold, "seed": params["seed"], "min_split": params["min_split"]}, open(sys.argv[2], "w"))

        """,
        "src/evaluate.py": """
        import json, os, sys
        model = json.load(open(sys.argv[1]))
        os.makedirs("eval/plots/images", exist_ok=True)
        summary = {"avg_prec": {}, "roc_auc": {}}
        for split in ("train", "test"):
            rows = json.load(open(os.path.join(sys.argv[2], split + ".pkl")))
            hits = sum(1 for row in rows if (row[0] >= model["threshold"]) == (row[2] % 2 == 1))
            summary["avg_prec"][split] = hits / max(len(rows), 1)
            summary["roc_auc"][split] = model["threshold"] / 100
            for kind, x, y in (("roc", "fpr", "tpr"), ("prc", "recall", "precision"), ("cm", "actual", "predicted")):
                os.makedirs(f"eval/plots/sklearn/{kind}", exist_ok=True)
                json.dump({kind: [{x: i / 4, y: (i / 4) ** 0.5} for i in range(5)]}, open(f"eval/plots/sklearn/{kind}/{split}.json", "w"))
        json.dump(summary, open("eval/metrics.json", "w"))
        open("eval/plots/images/importance.png", "wb").write(bytes.fromhex("89504e470d0a1a0a"))

        """,
    ]

    /// DVC's get-started project as a user's clone holds it: DVC's files, the scripts,
    /// and the raw data DVC tracks (ignored by git).
    static func project() throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository()
        for name in ["dvc.yaml", "dvc.lock", "params.yaml"] {
            try repo.write(name, try String(contentsOf: fixture.appending(path: name), encoding: .utf8))
        }
        try repo.write(".gitignore", try String(contentsOf: fixture.appending(path: "gitignore"), encoding: .utf8))
        try repo.write("data/.gitignore", try String(contentsOf: fixture.appending(path: "data/gitignore"), encoding: .utf8))
        for (path, text) in scripts { try repo.write(path, text) }
        let posts = (0..<200).map { "\($0) \(String(repeating: "word ", count: $0 % 37 + 1))" }.joined(separator: "\n")
        try repo.write("data/data.xml", posts + "\n")
        try repo.commitAll("DVC's get-started project")
        return repo
    }

    @Test func getStartedImportsRunsAndReproducesUnchanged() throws {
        let repo = try Self.project()
        let dvcYAML = try repo.read("dvc.yaml")
        let imported = try repo.recipe("import", "dvc", "--name", "started")
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.stderr.contains("dvc.yaml:2:3: warning: 'artifacts'"), "\(imported)")
        #expect(try repo.read("dvc.yaml") == dvcYAML)
        let recipe = try repo.read(".recipes/started.yaml")
        #expect(recipe.contains("  - {file: params.yaml, keys: [prepare, featurize, train]}"), "\(recipe)")
        #expect(recipe.contains("    outputs: [data/prepared/]"), "\(recipe)")
        #expect(recipe.contains("    inputs: [data/features/, model.pkl, src/evaluate.py]"), "\(recipe)")
        #expect(recipe.contains("    metrics: [eval/metrics.json]"), "\(recipe)")
        #expect(recipe.contains("eval/plots/images/importance.png"), "\(recipe)")

        let lock = try repo.recipe("lock", "started")
        #expect(lock.status == 0, "\(lock)")
        try repo.commitAll("import the pipeline")
        let run = try repo.recipe("run", "started")
        #expect(run.status == 0, "\(run)")
        let show = try repo.recipe("show", "HEAD", "--format", "json")
        #expect(show.stdout.contains("\"avg_prec.test\""), "\(show)")
        let id = try #require(show.stdout.firstMatch(of: /"id": "([^"]+)"/)?.output.1)
        let reproduced = try repo.recipe("reproduce", String(id))
        #expect(reproduced.status == 0, "\(reproduced)")
        #expect(reproduced.stdout.contains("exact"), "\(reproduced)")

        let overridden = try repo.recipe("run", "started", "-p", "train.n_est=10")
        #expect(overridden.status == 0, "\(overridden)")
        #expect(try repo.git("status", "--porcelain") == "")
    }

    @Test func foreachMatrixWdirAndWhatHasNoCounterpart() throws {
        let repo = try TemporaryGitRepository()
        try repo.write(
            "dvc.yaml",
            """
            stages:
              gen:
                foreach: [a, b]
                do:
                  cmd: mkdir -p out && echo ${item} > out/${item}.txt
                  outs:
                    - out/${item}.txt
              sweep:
                matrix:
                  lr: [1, 2]
                  model: [x]
                cmd: echo ${item.lr} ${item.model} > res-${item.model}-${item.lr}.txt
                wdir: sub
                outs:
                  - res-${item.model}-${item.lr}.txt
                frozen: true
              always:
                cmd:
                  - echo hi > always.txt
                  - echo ${train.lr}
                always_changed: true
                deps: [https://example.com/data.csv]
                params: [train.lr]
                outs:
                  - always.txt:
                      persist: true
                      remote: store

            """)
        try repo.write("params.yaml", "train: {lr: 0.5}\n")
        try repo.write(".gitignore", "out/\nsub/res-*\nalways.txt\n")
        try repo.write("sub/README", "the sweep's working directory\n")
        try repo.commitAll("a pipeline")
        let imported = try repo.recipe("import", "dvc")
        #expect(imported.status == 0, "\(imported)")
        let recipe = try repo.read(".recipes/pipeline.yaml")
        #expect(recipe.contains("  gen-a:\n    run: \"mkdir -p out && echo a > out/a.txt\"\n    outputs: [out/a.txt]\n"), "\(recipe)")
        #expect(recipe.contains("  gen-b:\n"), "\(recipe)")
        #expect(recipe.contains("  sweep-1-x:\n    run: \"cd sub && echo 1 x > res-x-1.txt\"\n    outputs: [sub/res-x-1.txt]\n"), "\(recipe)")
        #expect(recipe.contains("  sweep-2-x:\n"), "\(recipe)")
        #expect(recipe.contains("run: \"echo hi > always.txt && echo {{params.train.lr}}\""), "\(recipe)")
        let lines = imported.stderr.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("dvc.yaml:16:13: warning: stage 'sweep-1-x' is frozen") }, "\(imported)")
        #expect(lines.contains { $0.hasPrefix("dvc.yaml:21:21: warning: stage 'always' is always_changed") }, "\(imported)")
        #expect(lines.contains { $0.hasPrefix("dvc.yaml:22:12: warning: dependency 'https://example.com/data.csv'") }, "\(imported)")
        #expect(lines.contains { $0.contains("persists between runs") }, "\(imported)")
        #expect(lines.contains { $0.contains("goes to a DVC remote") }, "\(imported)")

        let again = try repo.recipe("import", "dvc")
        #expect(again.status == 2)
        #expect(again.stderr.contains(".recipes/pipeline.yaml exists"), "\(again)")
        #expect(try repo.recipe("lock").status == 0)
        try repo.commitAll("recipe")
        let run = try repo.recipe("run", "pipeline")
        #expect(run.status == 0, "\(run)")
        #expect(try repo.read("sub/res-x-2.txt") == "2 x\n")
    }

    @Test func aMalformedPipelineIsNamedWithItsLineAndColumn() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("dvc.yaml", "stages:\n  train:\n    cmd: [python train.py\n")
        try repo.commitAll("broken")
        let result = try repo.recipe("import", "dvc")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.hasPrefix("dvc.yaml:"), "\(result)")
        #expect(!repo.directory.exists(".recipes/pipeline.yaml"))
        // Translated, but not a valid recipe: written, with what to fix.
        try repo.write("dvc.yaml", "stages:\n  a: {cmd: echo a > x.txt, outs: [x.txt]}\n  b: {cmd: echo b > x.txt, outs: [x.txt]}\n")
        let invalid = try repo.recipe("import", "dvc")
        #expect(invalid.status == 1, "\(invalid)")
        #expect(invalid.stderr.contains("overlaps output 'x.txt' of step 'a'"), "\(invalid)")
        #expect(invalid.stderr.contains("was written but does not validate yet; fix it, then: git recipe lock pipeline"), "\(invalid)")
        #expect(repo.directory.exists(".recipes/pipeline.yaml"))
        let missing = try repo.recipe("import", "dvc", "other/dvc.yaml")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("other/dvc.yaml"), "\(missing)")
    }
}
