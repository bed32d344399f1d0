import Foundation
import Testing

@testable import GitRecipeCore

@Suite struct RunManifestTests {
    /// A note written by git-recipe 0.1.0 before the manifest was typed (`/tmp/fx`: the
    /// minimal template with an environment file and a directory output; a two-seed sweep
    /// with `-p noise=0.2`, then `reproduce` of the second run).
    static let recordedNote = #"""
        ---
        schema: git-recipe/run/v1
        id: "20261201T175742Z-cd9ab56d"
        recipe: train
        status: succeeded
        commit: "2b03d23857356a9e165b459276fce918940e4e1f"
        tree: "120d99e195afb5dc8183df4e91d84c33d64ff24b"
        lock: sha256:8de87a9fba8705f2adb65d314c1cca9cc53998b92c10405ca3cddc12989d0828
        started: "2026-12-01T17:57:42Z"
        finished: "2026-12-01T17:57:43Z"
        user:
          name: T
          email: t@e
        seed: 1
        params:
          holdout: 0.2
          noise: 0.2
          samples: 1000
        overrides:
          noise: 0.2
        executor:
          kind: local
        host:
          name: vm
          os: Debian GNU/Linux 12 (bookworm)
          kernel: "6.18.44-fc-v1045"
          arch: x86_64
          cpu: AMD EPYC
          cores: 2
          memory: 25275990016
          gpus: []
        tool:
          version: "0.1.0"
          libgit2: "1.5.1"
        environment:
          probes:
            python: Python 3.11.7
          files:
            requirements.txt: sha256:e77e7045d01a9431264f9262c6b199d8e7988c139276a5266a3cf689588ad66e
          vars:
            LANG: C.UTF-8
            PYTHONDONTWRITEBYTECODE: "1"
            PYTHONHASHSEED: "0"
          drift: []
        inputs:
          evaluate.py: sha256:0008220dcb11151a4e8ac593e3aec27ec203fd8abbc73e407f2e6a22206337c0
          generate.py: sha256:a509c2d56df39918f8ae2981d35ea0d8fffa525c3e8b94fa05ad2e9b98721585
          linear.py: sha256:ebbf81f7d49b5b4619647f3424d3facd09b3445a3a2639c33375863f790abe8c
          train.py: sha256:8f6282b2f7d7451f1a87965b8c0b7374136d17fe2423d653e52521f15e5dbd1d
        assets: {}
        steps:
          - name: generate
            command: python3 generate.py --seed 1 --samples 1000 --noise 0.2 --out data/dataset.csv
            exit: 0
            started: "2026-12-01T17:57:42Z"
            seconds: 0.213
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
          - name: fit
            command: python3 train.py --data data/dataset.csv --holdout 0.2 --model models/model.json --metrics metrics/train.json
            exit: 0
            started: "2026-12-01T17:57:42Z"
            seconds: 0.223
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
          - name: evaluate
            command: python3 evaluate.py --model models/model.json --data data/dataset.csv --holdout 0.2 --out metrics/eval.json
            exit: 0
            started: "2026-12-01T17:57:43Z"
            seconds: 0.194
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
          - name: extra
            command: "mkdir -p artifacts/sub && echo a > artifacts/a.txt && echo b > artifacts/sub/b.txt"
            exit: 0
            started: "2026-12-01T17:57:43Z"
            seconds: 0.004
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            resources:
              cpus: 1
              memory: "1G"
        outputs:
          artifacts/:
            digest: sha256:ee9a1af513f03798e7fca5543d7c8dcb17042c367fec5f205c8547c67d157d99
            bytes: 4
            files:
              a.txt:
                digest: sha256:87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7
                bytes: 2
              sub/b.txt:
                digest: sha256:0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f
                bytes: 2
          data/dataset.csv:
            digest: sha256:cfc323f388dd2f45a1183e16222b3f851cd96eb3a3428f51a62abf41184211e0
            bytes: 59732
          metrics/eval.json:
            digest: sha256:34a38ca5dc9713e959a3cb3295bf493cade19a38cabd489878dffc9335e432cb
            bytes: 91
          metrics/train.json:
            digest: sha256:0715d2e56face1da38f42cc2231bae37b73c4bf84307321078af9cf722310ad7
            bytes: 58
          models/model.json:
            digest: sha256:615cfbffd0bede36224e8ae349f8d6927b1aaff691846cf96ab0cf5da5767f89
            bytes: 93
        metrics:
          test_mse: 0.039867783592148105
          test_r2: 0.9919939115032328
          test_rows: 200.0
          train_mse: 0.0402294179101553
          train_rows: 800.0
        sweep: sweep-4304b407
        ---
        schema: git-recipe/run/v1
        id: "20261201T175743Z-5f56cdc5"
        recipe: train
        status: succeeded
        commit: "2b03d23857356a9e165b459276fce918940e4e1f"
        tree: "120d99e195afb5dc8183df4e91d84c33d64ff24b"
        lock: sha256:8de87a9fba8705f2adb65d314c1cca9cc53998b92c10405ca3cddc12989d0828
        started: "2026-12-01T17:57:43Z"
        finished: "2026-12-01T17:57:43Z"
        user:
          name: T
          email: t@e
        seed: 2
        params:
          holdout: 0.2
          noise: 0.2
          samples: 1000
        overrides:
          noise: 0.2
        executor:
          kind: local
        host:
          name: vm
          os: Debian GNU/Linux 12 (bookworm)
          kernel: "6.18.44-fc-v1045"
          arch: x86_64
          cpu: AMD EPYC
          cores: 2
          memory: 25275990016
          gpus: []
        tool:
          version: "0.1.0"
          libgit2: "1.5.1"
        environment:
          probes:
            python: Python 3.11.7
          files:
            requirements.txt: sha256:e77e7045d01a9431264f9262c6b199d8e7988c139276a5266a3cf689588ad66e
          vars:
            LANG: C.UTF-8
            PYTHONDONTWRITEBYTECODE: "1"
            PYTHONHASHSEED: "0"
          drift: []
        inputs:
          evaluate.py: sha256:0008220dcb11151a4e8ac593e3aec27ec203fd8abbc73e407f2e6a22206337c0
          generate.py: sha256:a509c2d56df39918f8ae2981d35ea0d8fffa525c3e8b94fa05ad2e9b98721585
          linear.py: sha256:ebbf81f7d49b5b4619647f3424d3facd09b3445a3a2639c33375863f790abe8c
          train.py: sha256:8f6282b2f7d7451f1a87965b8c0b7374136d17fe2423d653e52521f15e5dbd1d
        assets: {}
        steps:
          - name: generate
            command: python3 generate.py --seed 2 --samples 1000 --noise 0.2 --out data/dataset.csv
            exit: 0
            started: "2026-12-01T17:57:43Z"
            seconds: 0.184
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
          - name: fit
            command: python3 train.py --data data/dataset.csv --holdout 0.2 --model models/model.json --metrics metrics/train.json
            exit: 0
            started: "2026-12-01T17:57:43Z"
            seconds: 0.213
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
          - name: evaluate
            command: python3 evaluate.py --model models/model.json --data data/dataset.csv --holdout 0.2 --out metrics/eval.json
            exit: 0
            started: "2026-12-01T17:57:43Z"
            seconds: 0.229
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
          - name: extra
            command: "mkdir -p artifacts/sub && echo a > artifacts/a.txt && echo b > artifacts/sub/b.txt"
            exit: 0
            started: "2026-12-01T17:57:43Z"
            seconds: 0.006
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            resources:
              cpus: 1
              memory: "1G"
        outputs:
          artifacts/:
            digest: sha256:ee9a1af513f03798e7fca5543d7c8dcb17042c367fec5f205c8547c67d157d99
            bytes: 4
            files:
              a.txt:
                digest: sha256:87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7
                bytes: 2
              sub/b.txt:
                digest: sha256:0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f
                bytes: 2
          data/dataset.csv:
            digest: sha256:cbb7c8293fb4e7d8c12b76449b768ed722fdde2da2228fe9aa80dbc35948db50
            bytes: 59746
          metrics/eval.json:
            digest: sha256:902b25b43bd794466f550644c43c1761d35b5cf763a3a8f81b358426a7a6736c
            bytes: 90
          metrics/train.json:
            digest: sha256:19d62da44d42fe4b646a768828c2578fc38c886e3c8b63a579007ba2d367f841
            bytes: 59
          models/model.json:
            digest: sha256:ee99bc597e99cbb3a8782a8f06de825c08df5c511b50815cffea975fe8bcfd2a
            bytes: 95
        metrics:
          test_mse: 0.03386520972995378
          test_r2: 0.9922628071459455
          test_rows: 200.0
          train_mse: 0.04001250140818003
          train_rows: 800.0
        sweep: sweep-4304b407
        ---
        schema: git-recipe/run/v1
        id: "20261201T175745Z-3d7f82ff"
        recipe: train
        status: succeeded
        commit: "2b03d23857356a9e165b459276fce918940e4e1f"
        tree: "120d99e195afb5dc8183df4e91d84c33d64ff24b"
        lock: sha256:8de87a9fba8705f2adb65d314c1cca9cc53998b92c10405ca3cddc12989d0828
        started: "2026-12-01T17:57:45Z"
        finished: "2026-12-01T17:57:45Z"
        user:
          name: T
          email: t@e
        seed: 2
        params:
          holdout: 0.2
          noise: 0.2
          samples: 1000
        overrides:
          noise: 0.2
        executor:
          kind: local
        host:
          name: vm
          os: Debian GNU/Linux 12 (bookworm)
          kernel: "6.18.44-fc-v1045"
          arch: x86_64
          cpu: AMD EPYC
          cores: 2
          memory: 25275990016
          gpus: []
        tool:
          version: "0.1.0"
          libgit2: "1.5.1"
        environment:
          probes:
            python: Python 3.11.7
          files:
            requirements.txt: sha256:e77e7045d01a9431264f9262c6b199d8e7988c139276a5266a3cf689588ad66e
          vars:
            LANG: C.UTF-8
            PYTHONDONTWRITEBYTECODE: "1"
            PYTHONHASHSEED: "0"
          drift: []
        inputs:
          evaluate.py: sha256:0008220dcb11151a4e8ac593e3aec27ec203fd8abbc73e407f2e6a22206337c0
          generate.py: sha256:a509c2d56df39918f8ae2981d35ea0d8fffa525c3e8b94fa05ad2e9b98721585
          linear.py: sha256:ebbf81f7d49b5b4619647f3424d3facd09b3445a3a2639c33375863f790abe8c
          train.py: sha256:8f6282b2f7d7451f1a87965b8c0b7374136d17fe2423d653e52521f15e5dbd1d
        assets: {}
        steps:
          - name: generate
            command: python3 generate.py --seed 2 --samples 1000 --noise 0.2 --out data/dataset.csv
            exit: 0
            started: "2026-12-01T17:57:45Z"
            seconds: 0.204
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
          - name: fit
            command: python3 train.py --data data/dataset.csv --holdout 0.2 --model models/model.json --metrics metrics/train.json
            exit: 0
            started: "2026-12-01T17:57:45Z"
            seconds: 0.215
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
          - name: evaluate
            command: python3 evaluate.py --model models/model.json --data data/dataset.csv --holdout 0.2 --out metrics/eval.json
            exit: 0
            started: "2026-12-01T17:57:45Z"
            seconds: 0.18
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
          - name: extra
            command: "mkdir -p artifacts/sub && echo a > artifacts/a.txt && echo b > artifacts/sub/b.txt"
            exit: 0
            started: "2026-12-01T17:57:45Z"
            seconds: 0.005
            log: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            resources:
              cpus: 1
              memory: "1G"
        outputs:
          artifacts/:
            digest: sha256:ee9a1af513f03798e7fca5543d7c8dcb17042c367fec5f205c8547c67d157d99
            bytes: 4
            files:
              a.txt:
                digest: sha256:87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7
                bytes: 2
              sub/b.txt:
                digest: sha256:0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f
                bytes: 2
          data/dataset.csv:
            digest: sha256:cbb7c8293fb4e7d8c12b76449b768ed722fdde2da2228fe9aa80dbc35948db50
            bytes: 59746
          metrics/eval.json:
            digest: sha256:902b25b43bd794466f550644c43c1761d35b5cf763a3a8f81b358426a7a6736c
            bytes: 90
          metrics/train.json:
            digest: sha256:19d62da44d42fe4b646a768828c2578fc38c886e3c8b63a579007ba2d367f841
            bytes: 59
          models/model.json:
            digest: sha256:ee99bc597e99cbb3a8782a8f06de825c08df5c511b50815cffea975fe8bcfd2a
            bytes: 95
        metrics:
          test_mse: 0.03386520972995378
          test_r2: 0.9922628071459455
          test_rows: 200.0
          train_mse: 0.04001250140818003
          train_rows: 800.0
        reproduces: "20261201T175743Z-5f56cdc5"
        verdict: exact
        """#

    @Test func notesWrittenByTheEarlierReleaseDecodeAndRenderByteForByte() throws {
        let documents = RunNote(parsing: Self.recordedNote).documents
        #expect(documents.count == 3)
        for document in documents {
            let manifest = try RunManifest(decoding: document.text)
            #expect(manifest.rendered == document.text)
        }
        let sweep = try RunManifest(decoding: documents[0].text)
        #expect(sweep.status == .succeeded)
        #expect(sweep.overrides == ["noise": .float(0.2)])
        #expect(sweep.params["samples"] == .int(1000))
        #expect(sweep.sweep != nil && sweep.seed == 1)
        #expect(sweep.outputs["artifacts/"]?.files.keys.sorted() == ["a.txt", "sub/b.txt"])
        #expect(sweep.steps.map(\.name) == ["generate", "fit", "evaluate", "extra"])
        #expect(sweep.steps[3].resources == RunManifest.Resources(cpus: 1, gpus: nil, memory: "1G", time: nil))
        #expect(sweep.environment.files?.keys.sorted() == ["requirements.txt"])
        #expect(sweep.executor == .local)
        let reproduction = try RunManifest(decoding: documents[2].text)
        #expect(reproduction.reproduces == documents[1].id && reproduction.verdict == .exact && reproduction.differences == nil)
    }

    @Test func whatOnlySomeRunsRecordRoundTrips() throws {
        var manifest = try RunManifest(decoding: RunNote(parsing: Self.recordedNote).documents[2].text)
        manifest.status = .failed
        manifest.executor = .init(kind: "slurm", cluster: "lab", jobs: ["fit": "12", "generate": "11"])
        manifest.steps = [
            .init(
                name: "generate", command: "true", exit: 0, started: "2026-12-01T10:00:00Z", seconds: 1.5, log: "sha256:00",
                job: "11", state: "COMPLETED",
                isolation: .init(
                    engine: "podman version 4.3.1", image: "localhost/x@sha256:" + String(repeating: "a", count: 64), imageID: "sha256:bb",
                    network: false)),
            .init(
                name: "fit", command: "false", exit: 1, started: "2026-12-01T10:00:00Z", seconds: 0.25, log: "",
                job: "12", state: "FAILED", isolation: .init(engine: "bubblewrap 0.8.0", image: nil, imageID: nil, network: true),
                error: "its command exited with status 1"),
            .skipped("evaluate"),
        ]
        manifest.verdict = .diverged
        manifest.differences = .init(
            outputs: [.init(path: "models/model.json", run: "sha256:aa", reproduction: nil)],
            metrics: [.init(name: "test_mse", run: 0.5, reproduction: .nan, tolerance: 0.001)])
        manifest.overrides = ["layers": .list([.int(1), .int(2)]), "optim": .map(["lr": .float(0.1)]), "name": .string("0.5")]
        let decoded = try RunManifest(decoding: manifest.rendered)
        #expect(decoded.rendered == manifest.rendered)
        #expect(decoded.executor == manifest.executor && decoded.steps == manifest.steps && decoded.overrides == manifest.overrides)
        #expect(decoded.differences?.outputs == manifest.differences?.outputs)
        #expect(decoded.differences?.metrics.first?.reproduction?.isNaN == true)
    }

    /// A manifest read in part (a run table's params and steps) has exactly what the whole
    /// read has in those sections, the run's identity, and nothing else; a document laid out
    /// otherwise (written by hand: comments, a list at the margin, a quoted key) reads the
    /// same, or whole where the sections cannot be told apart.
    @Test func aManifestReadInPartHasItsSectionsAsReadWhole() throws {
        var manifest = try RunManifest(decoding: RunNote(parsing: Self.recordedNote).documents[0].text)
        manifest.steps[1].usage = .init(cpuSeconds: 1.25, peakMemory: 1 << 20)
        manifest.steps[2].plots = ["plots/loss.tsv"]
        let whole = manifest.rendered
        let part = try RunManifest(decoding: whole, sections: ["params", "steps"])
        #expect(part.id == manifest.id && part.recipe == manifest.recipe && part.status == manifest.status && part.commit == manifest.commit)
        #expect(part.params == manifest.params && part.steps == manifest.steps)
        #expect(part.host.name.isEmpty && part.inputs.isEmpty && part.outputs.isEmpty && part.metrics.isEmpty && part.environment.vars.isEmpty)

        // The steps' list at the margin, as people write it: each line of the block two spaces in.
        var lines = whole.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let steps = try #require(lines.firstIndex(of: "steps:"))
        for index in (steps + 1)..<lines.count {
            guard lines[index].hasPrefix("  ") else { break }
            lines[index].removeFirst(2)
        }
        let byHand = "# by hand\n" + lines.joined(separator: "\n")
        #expect(try RunManifest(decoding: byHand).steps == manifest.steps, "the edited document is still this run")
        let byHandPart = try RunManifest(decoding: byHand, sections: ["steps"])
        #expect(byHandPart.steps == manifest.steps && byHandPart.params.isEmpty)

        // A key that starts with a dash is a key, not a list item of the section above.
        let dashed = whole.replacingOccurrences(of: "\noutputs:", with: "\n-host: x\noutputs:")
        #expect(RunManifest.sections(["steps"], of: dashed) == RunManifest.sections(["steps"], of: whole))
        let quoted = whole.replacingOccurrences(of: "\nhost:", with: "\n\"host\":")
        #expect(RunManifest.sections(["steps"], of: quoted) == nil)
        #expect(try RunManifest(decoding: quoted, sections: ["steps"]).host.name == manifest.host.name, "read whole")
    }

    @Test func aDocumentThatIsNoRunSaysWhy() {
        #expect(throws: ManifestError.self) { try RunManifest(decoding: "id: x\nrecipe: r\nstatus: exploded\ncommit: abc\n") }
        #expect(throws: ManifestError.self) { try RunManifest(decoding: "- a list\n") }
        #expect(throws: ManifestError.self) { try RunManifest(decoding: "recipe: r\nstatus: failed\ncommit: abc\n") }
    }
}
