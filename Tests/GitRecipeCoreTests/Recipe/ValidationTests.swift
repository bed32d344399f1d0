import Foundation
import TestSupport
import Testing

@testable import GitRecipeCore

/// Every validation error kind, with the exact position a user's editor jumps to.
@Suite("Recipe validation")
struct ValidationTests {
    static let evaluate = """
        version: 1
        inputs:
          model: {kind: file}
          data: {kind: dir, default: data/}
        outputs:
          report: {kind: file, metrics: true}
        params: {batch_size: 256}
        files: [eval.py]
        run: python3 eval.py --model {{inputs.model}} --data {{inputs.data}} --out {{outputs.report}} --bs {{params.batch_size}}

        """

    /// Checks that loading `recipe` yields exactly `expected`, showing both when not.
    func check(
        _ recipe: String, components: [String: String] = ["evaluate": evaluate], config: String? = nil,
        expect expected: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let found = try diagnostics(recipe, components: components, config: config)
        #expect(found == expected, sourceLocation: sourceLocation)
    }

    /// Loads a project holding `recipe` as `.recipes/train.yaml` and returns every diagnostic.
    func diagnostics(_ recipe: String, components: [String: String] = ["evaluate": evaluate], config: String? = nil) throws -> [String] {
        let directory = try TemporaryDirectory()
        try directory.write(".recipes/train.yaml", recipe)
        for (name, text) in components { try directory.write(".recipes/components/\(name).yaml", text) }
        if let config { try directory.write(".recipes/config.yaml", config) }
        do {
            let project = try Project.load(from: WorkingTreeFiles(root: directory.path))
            return project.warnings.map(\.description)
        } catch let failure as ValidationFailure {
            return failure.diagnostics.map(\.description)
        }
    }

    @Test func aValidRecipeHasNoDiagnosticsAndResolvesItsSteps() throws {
        let directory = try TemporaryDirectory()
        try directory.write(".recipes/components/evaluate.yaml", Self.evaluate)
        try directory.write(
            ".recipes/train.yaml",
            """
            version: 1
            seed: 42
            params: {lr: 0.01, optim: {momentum: 0.9}}
            assets:
              digits: {url: https://example.org/digits.npz, sha256: "\(String(repeating: "a", count: 64))"}
            steps:
              evaluate:
                uses: evaluate
                with: {model: models/model.pkl, report: metrics/eval.json}
                params: {batch_size: 64}
              fit:
                needs: [prepare]
                run: python3 train.py --lr {{params.lr}} --m {{params.optim.momentum}} --d {{assets.digits}}
                inputs: [train.py, data/]
                outputs: [models/model.pkl]
              prepare:
                run: python3 prep.py --seed {{seed}}
                inputs: [prep.py]
                outputs: [data/]

            """)
        let project = try Project.load(from: WorkingTreeFiles(root: directory.path))
        let pipeline = try #require(project.pipelines.first)
        #expect(project.warnings.isEmpty)
        #expect(pipeline.steps.map(\.name) == ["prepare", "fit", "evaluate"])
        let evaluate = pipeline.steps[2]
        #expect(evaluate.dependencies == ["fit", "prepare"])
        #expect(evaluate.inputs == ["models/model.pkl", "data/", "eval.py"])
        #expect(evaluate.metrics == ["metrics/eval.json"])
        let values = pipeline.placeholderValues(for: evaluate, seed: 1, runID: "r", runDirectory: "d", assets: [:])
        #expect(
            try evaluate.command.render { values[$0] }
                == "python3 eval.py --model models/model.pkl --data data/ --out metrics/eval.json --bs 64")
        let fit = pipeline.steps[1]
        let fitValues = pipeline.placeholderValues(for: fit, seed: 1, runID: "r", runDirectory: "d", assets: ["digits": "/cache/d.npz"])
        #expect(try fit.command.render { fitValues[$0] } == "python3 train.py --lr 0.01 --m 0.9 --d /cache/d.npz")
    }

    @Test func yamlSyntaxErrorsPointAtTheProblem() throws {
        try check(
            "version: 1\nseed: 1\nsteps:\n  a: [unclosed\n",
            expect: [
                ".recipes/train.yaml:5:1: error: invalid YAML: while parsing a flow sequence did not find expected ',' or ']'"
            ])
        try check(
            "version: 1\nseed: 1\nseed: 2\nsteps: {a: {run: x}}\n",
            expect: [
                ".recipes/train.yaml:2:1: error: key 'seed' is given more than once in this mapping (first here); keep one"
            ])
        try check("", expect: [".recipes/train.yaml:1:1: error: the file is empty"])
    }

    @Test func unknownKeysSuggestTheClosestOne() throws {
        try check(
            "version: 1\nseed: 1\nstepz: {}\nsteps:\n  a: {run: x, inptus: [a]}\n",
            expect: [
                ".recipes/train.yaml:3:1: error: unknown key 'stepz' in the recipe; did you mean 'steps'?",
                ".recipes/train.yaml:5:15: error: unknown key 'inptus' in step 'a'; did you mean 'inputs'?",
            ])
    }

    @Test func wrongTypesNameWhatWasFound() throws {
        try check(
            """
            version: 1
            seed: "42"
            params: {lr: }
            steps:
              a: {run: true, inputs: train.py}
              b: [x]

            """,
            expect: [
                ".recipes/train.yaml:2:7: error: seed must be an integer, not the string '42'",
                ".recipes/train.yaml:3:14: error: param 'lr' needs a default value",
                ".recipes/train.yaml:5:12: error: run of step 'a' must be a string, not the boolean true; quote it: \"true\"",
                ".recipes/train.yaml:5:26: error: inputs of step 'a' must be a list, not the string 'train.py'",
                ".recipes/train.yaml:6:6: error: step 'b' must be a mapping, not a list",
            ])
    }

    @Test func missingVersionSeedStepsAndRun() throws {
        try check(
            "description: nothing\n",
            expect: [
                ".recipes/train.yaml:1:1: error: missing 'version: 1' at the top of the file",
                ".recipes/train.yaml:1:1: error: recipe 'train' has no seed; add 'seed: 42' (or any integer) so runs are repeatable",
                ".recipes/train.yaml:1:1: error: the recipe has no 'steps'; add at least one step with a 'run' command",
            ])
        try check(
            "version: 2\nseed: 1\nsteps:\n  a: {inputs: [x]}\n",
            expect: [
                ".recipes/train.yaml:1:10: error: version 2 is not supported; this git-recipe reads version 1",
                ".recipes/train.yaml:4:6: error: step 'a' needs 'run' (a command) or 'uses' (a component)",
            ])
    }

    @Test func theSeedPolicyCanWarnOrBeOff() throws {
        let recipe = "version: 1\nsteps: {a: {run: x}}\n"
        try check(
            recipe, config: "version: 1\npolicy: {seed: warn}\n",
            expect: [
                ".recipes/train.yaml:1:1: warning: recipe 'train' has no seed; add 'seed: 42' (or any integer) so runs are repeatable"
            ])
        try check(recipe, config: "version: 1\npolicy: {seed: off}\n", expect: [])
        try check(
            recipe, config: "version: 1\npolicy: {seed: maybe}\n",
            expect: [
                ".recipes/config.yaml:2:16: error: policy.seed must be one of 'error', 'warn', 'off', not 'maybe'",
                ".recipes/train.yaml:1:1: error: recipe 'train' has no seed; add 'seed: 42' (or any integer) so runs are repeatable",
            ])
    }

    @Test func unknownNeedsAndDependencyCycles() throws {
        try check(
            """
            version: 1
            seed: 1
            steps:
              prepare:
                needs: [fit]
                run: prep
                outputs: [data/]
              fit:
                needs: [prepair, fit]
                run: fit
                inputs: [data/]

            """,
            expect: [
                ".recipes/train.yaml:4:3: error: dependency cycle: prepare → fit → prepare; a step waits for the steps in its 'needs' and for those that write its inputs",
                ".recipes/train.yaml:9:13: error: step 'fit' needs unknown step 'prepair'; did you mean 'prepare'?",
                ".recipes/train.yaml:9:22: error: step 'fit' cannot need itself",
            ])
    }

    @Test func aCycleThroughDataIsFoundToo() throws {
        try check(
            """
            version: 1
            seed: 1
            steps:
              a: {run: x, inputs: [b.out], outputs: [a.out]}
              b: {run: x, inputs: [c.out], outputs: [b.out]}
              c: {run: x, inputs: [a.out], outputs: [c.out]}

            """,
            expect: [
                ".recipes/train.yaml:4:3: error: dependency cycle: a → c → b → a; a step waits for the steps in its 'needs' and for those that write its inputs"
            ])
    }

    @Test func anOutputHasOneProducerAndIsNotAlsoAnInput() throws {
        try check(
            """
            version: 1
            seed: 1
            steps:
              a: {run: x, outputs: [models/]}
              b: {run: x, outputs: [models/model.pkl], metrics: [models/]}
              c: {run: x, inputs: [log.txt], outputs: [log.txt]}

            """,
            expect: [
                ".recipes/train.yaml:5:25: error: output 'models/model.pkl' of step 'b' overlaps output 'models/' of step 'a' (line 4); each path has one producer",
                ".recipes/train.yaml:5:54: error: output 'models/' of step 'b' overlaps output 'models/' of step 'a' (line 4); each path has one producer",
                ".recipes/train.yaml:6:44: error: step 'c' both reads 'log.txt' and writes 'log.txt'; write to a new path instead",
            ])
    }

    @Test func plotsAreOutputsOfAKindTheDashboardShows() throws {
        try check(
            """
            version: 1
            seed: 1
            steps:
              a: {run: x, outputs: [out/, model.pkl], plots: [out/loss.tsv, out/roc.png, model.pkl, other.png, ../up.png]}

            """,
            expect: [
                ".recipes/train.yaml:4:78: error: plot 'model.pkl' of step 'a' is of no kind the dashboard shows; use png, jpg, gif, svg, webp (images); json, tsv, csv (series)",
                ".recipes/train.yaml:4:89: error: plot 'other.png' of step 'a' is not one of its outputs; add it to 'outputs' (or write it under a directory output)",
                ".recipes/train.yaml:4:100: error: '../up.png' uses '..'; paths may not leave the repository (data outside it goes in 'assets')",
                ".recipes/train.yaml:4:100: error: plot '../up.png' of step 'a' is not one of its outputs; add it to 'outputs' (or write it under a directory output)",
            ])
    }

    @Test func unknownPlaceholdersInRecipesAndComponents() throws {
        let component = "version: 1\nparams: {k: 1}\nrun: eval {{params.kk}} {{inputs.model}}\n"
        try check(
            """
            version: 1
            seed: 1
            params: {lr: 0.1, optim: {momentum: 0.9}}
            steps:
              a: {run: "train {{params.lrr}} {{params.optim}} {{run.id}} {{assets.none}} {{seed"}
              b: {run: "train {{params.lrr}} {{params.optim}} {{run.id}} {{assets.none}}"}
              c: {uses: evaluate}

            """, components: ["evaluate": component],
            expect: [
                ".recipes/components/evaluate.yaml:3:6: error: unknown placeholder '{{params.kk}}' in component 'evaluate'; did you mean '{{params.k}}'?",
                ".recipes/components/evaluate.yaml:3:6: error: unknown placeholder '{{inputs.model}}' in component 'evaluate'",
                ".recipes/train.yaml:5:12: error: '{{' is not closed by '}}'",
                ".recipes/train.yaml:6:12: error: unknown placeholder '{{params.lrr}}' in step 'b'; did you mean '{{params.lr}}'?",
                ".recipes/train.yaml:6:12: error: unknown placeholder '{{params.optim}}' in step 'b'; did you mean '{{params.optim.momentum}}'?",
                ".recipes/train.yaml:6:12: error: unknown placeholder '{{assets.none}}' in step 'b'",
            ])
    }

    @Test func componentContractsAreChecked() throws {
        try check(
            """
            version: 1
            seed: 1
            steps:
              unbound: {uses: evaluate, with: {report: r.json}}
              wrong:
                uses: evaluate
                with: {model: m.pkl, modle: m.pkl, data: data, report: reports/}
                params: {batch_size: "big", batch: 1}
              missing: {uses: evaluat}

            """,
            expect: [
                ".recipes/train.yaml:4:3: error: step 'unbound' does not bind input 'model' of component 'evaluate', which has no default; add it under 'with'",
                ".recipes/train.yaml:7:26: error: component 'evaluate' has no input or output 'modle'; did you mean 'model'?",
                ".recipes/train.yaml:7:40: error: 'data' of component 'evaluate' is a dir, but 'data' names a file (write it with a trailing '/')",
                ".recipes/train.yaml:7:52: error: 'report' of component 'evaluate' is a file, but 'reports/' names a dir (a directory path ends in '/')",
                ".recipes/train.yaml:8:14: error: param 'batch_size' of component 'evaluate' must be an integer, not a string",
                ".recipes/train.yaml:8:33: error: component 'evaluate' has no param 'batch'; did you mean 'batch_size'?",
                ".recipes/train.yaml:9:19: error: unknown component 'evaluat'; components in .recipes/components/: evaluate",
            ])
    }

    @Test func aParamIsAValueNeverATemplateAndAComponentsMetricsAreItsOwn() throws {
        try check(
            """
            version: 1
            seed: 1
            params: {x: "{{seed}}", nested: {y: "a{{params.x}}"}}
            steps:
              eval: {uses: evaluate, with: {model: m.pkl, report: r.json}, metrics: [r.json]}

            """,
            expect: [
                ".recipes/train.yaml:3:13: error: param 'x' holds '{{seed}}', but params are values, never templates: write the placeholder in the step's run (run: train.py --seed {{seed}}), or read RECIPE_SEED / RECIPE_PARAM_* there",
                ".recipes/train.yaml:3:37: error: param 'y' holds 'a{{params.x}}', but params are values, never templates: write the placeholder in the step's run (run: train.py --seed {{seed}}), or read RECIPE_SEED / RECIPE_PARAM_* there",
                ".recipes/train.yaml:5:73: error: step 'eval' uses component 'evaluate': a component's metrics are its outputs marked 'metrics: true' in .recipes/components/evaluate.yaml; mark the output there and bind it in 'with'",
            ])
    }

    @Test func pathsMayNotBeAbsoluteOrEscapeTheRepository() throws {
        try check(
            """
            version: 1
            seed: 1
            assets:
              imagenet: {path: /datasets/imagenet}
            environment: {files: [../requirements.txt]}
            steps:
              a: {run: x, inputs: [/etc/passwd, data/../../x, ~/data], outputs: [.git/hooks/pre-commit]}

            """,
            expect: [
                ".recipes/train.yaml:5:23: error: '../requirements.txt' uses '..'; paths may not leave the repository (data outside it goes in 'assets')",
                ".recipes/train.yaml:7:24: error: '/etc/passwd' is absolute; paths are relative to the repository root (data outside it goes in 'assets')",
                ".recipes/train.yaml:7:37: error: 'data/../../x' uses '..'; paths may not leave the repository (data outside it goes in 'assets')",
                ".recipes/train.yaml:7:51: error: '~/data' is absolute; paths are relative to the repository root (data outside it goes in 'assets')",
                ".recipes/train.yaml:7:70: error: '.git/hooks/pre-commit' is inside .git, which belongs to git",
            ])
    }

    @Test func assetsImagesAndResourcesAreChecked() throws {
        try check(
            """
            version: 1
            seed: 1
            assets:
              a: {url: ftp://x/y.npz, sha256: ABC}
              b: {url: https://x/y.npz}
              c: {}
            environment:
              image: ghcr.io/org/train:latest
              vars: {PYTHONHASHSEED: 0, "BAD NAME": x}
            steps:
              a: {run: x, resources: {cpus: 0, gpus: 1, memory: lots, time: "1 hour"}}

            """,
            expect: [
                ".recipes/train.yaml:4:12: error: asset 'a': url 'ftp://x/y.npz' must start with https://, http:// or file://",
                ".recipes/train.yaml:4:35: error: asset 'a': sha256 must be 64 lower-case hex digits (sha256sum prints it)",
                ".recipes/train.yaml:5:6: error: asset 'b' has a url but no sha256; pin it with sha256: <64 hex digits>",
                ".recipes/train.yaml:6:6: error: asset 'c' needs 'url' (with 'sha256') or 'path'",
                ".recipes/train.yaml:8:10: error: image 'ghcr.io/org/train:latest' is not pinned by digest; write it as NAME@sha256:<64 hex digits> (podman image inspect --format '{{.Digest}}' NAME shows it)",
                ".recipes/train.yaml:9:29: error: 'BAD NAME' is not a valid environment variable name",
                ".recipes/train.yaml:11:33: error: cpus must be at least 1",
                ".recipes/train.yaml:11:53: error: memory 'lots' is not a size; write a number with K, M, G or T, like 8G",
                ".recipes/train.yaml:11:65: error: time '1 hour' is not a time limit; write minutes, HH:MM:SS or D-HH:MM:SS, like \"01:00:00\"",
            ])
    }

    @Test func whereAStepRunsIsCheckedWhereItIsWritten() throws {
        let pinned = "localhost/x@sha256:" + String(repeating: "a", count: 64)
        try check(
            """
            version: 1
            seed: 1
            environment: {sandbox: yes please}
            steps:
              a: {run: x, image: "ghcr.io/org/train:latest", network: 1}
              b: {run: x, image: \(pinned), sandbox: true}
              c: {run: x, sandbox: false}

            """,
            expect: [
                ".recipes/train.yaml:3:24: error: environment.sandbox must be true or false, not the string 'yes please'",
                ".recipes/train.yaml:5:22: error: image 'ghcr.io/org/train:latest' is not pinned by digest; write it as NAME@sha256:<64 hex digits> (podman image inspect --format '{{.Digest}}' NAME shows it)",
                ".recipes/train.yaml:5:59: error: network of step 'a' must be true or false, not the number 1",
                ".recipes/train.yaml:6:116: error: step 'b' runs in image '\(pinned)' and says sandbox: true; a step runs in one of them: remove one",
            ])
        let directory = try TemporaryDirectory()
        try directory.write(
            ".recipes/train.yaml",
            """
            version: 1
            seed: 1
            environment: {sandbox: true}
            steps:
              a: {run: x, image: \(pinned), network: true}
              b: {run: x}
              c: {run: x, sandbox: false}
              d: {run: x, network: true}

            """)
        let pipeline = try #require(try Project.load(from: WorkingTreeFiles(root: directory.path)).pipelines.first)
        #expect(
            pipeline.steps.map(\.isolation) == [.image(pinned, network: true), .sandbox(network: false), .host, .sandbox(network: true)])
    }

    @Test func fiveMistakesGetFivePreciseDiagnostics() throws {
        let found = try diagnostics(
            """
            version: 1
            seed: 42
            params: {lr: 0.01}
            steps:
              prepare:
                run: python3 prep.py --out {{params.out}}
                outputs: [/tmp/prepared/]
              fit:
                needs: [prepar]
                run: python3 fit.py --lr {{params.lr}}
                output: [model.pkl]
              evaluate:
                uses: evaluate

            """)
        #expect(
            found == [
                ".recipes/train.yaml:6:10: error: unknown placeholder '{{params.out}}' in step 'prepare'",
                ".recipes/train.yaml:7:15: error: '/tmp/prepared/' is absolute; paths are relative to the repository root (data outside it goes in 'assets')",
                ".recipes/train.yaml:9:13: error: step 'fit' needs unknown step 'prepar'; did you mean 'prepare'?",
                ".recipes/train.yaml:11:5: error: unknown key 'output' in step 'fit'; did you mean 'outputs'?",
                ".recipes/train.yaml:12:3: error: step 'evaluate' does not bind input 'model' of component 'evaluate', which has no default; add it under 'with'",
                ".recipes/train.yaml:12:3: error: step 'evaluate' does not bind output 'report' of component 'evaluate', which has no default; add it under 'with'",
            ])
    }

    @Test(arguments: Template.names)
    func everyTemplateValidatesCleanly(name: String) throws {
        let directory = try TemporaryDirectory()
        for (path, contents) in try Template(named: name).files {
            try directory.write(path, String(decoding: contents, as: UTF8.self))
        }
        let project = try Project.load(from: WorkingTreeFiles(root: directory.path))
        #expect(project.warnings.isEmpty)
        #expect(project.pipelines.map(\.recipe.name) == ["train"])
    }

    @Test func askingForAMissingRecipeOrProjectSaysWhatExists() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: ProjectError.noProject) { try Project.load(from: WorkingTreeFiles(root: directory.path)) }
        try directory.write(".recipes/train.yaml", "version: 1\nseed: 1\nsteps: {a: {run: x}}\n")
        try directory.write(".recipes/other.yml", "")
        #expect(throws: ProjectError.unknownRecipe("trian", available: ["train"])) {
            try Project.load(from: WorkingTreeFiles(root: directory.path), recipes: ["trian"])
        }
        let project = try Project.load(from: WorkingTreeFiles(root: directory.path))
        #expect(project.warnings.map(\.description) == [".recipes/other.yml:1:1: warning: ignored: recipes and components end in .yaml; rename it"])
    }
}
