import Foundation
import Yams

/// `git recipe import dvc [dvc.yaml]`: a DVC pipeline written as a recipe.
/// Stages become steps (`cmd` → `run`, `deps` → `inputs`, `outs`, `metrics` and `plots` →
/// `outputs`, `metrics`, `plots`), the params stages name become the recipe's params read
/// from their files, `foreach` and `matrix` stages become one step per item, `wdir` and a
/// `dvc.yaml` below the root become paths from the root and a `cd`. What has no counterpart
/// is reported, each at its place in `dvc.yaml`. DVC's files are only read.
public struct DVCImport {
    /// The recipe's YAML.
    public let recipe: String
    /// What was not translated, or translated with a caveat: warnings at their place in `dvc.yaml`.
    public let notes: [Diagnostic]

    /// One stage, translated.
    private struct Stage {
        let name: String
        /// Where the stage is named in `dvc.yaml`.
        let mark: SourcePosition?
        /// Where its `cmd` is.
        let commandMark: SourcePosition?
        var run: String
        var inputs: [String] = []
        var outputs: [String] = []
        var metrics: [String] = []
        var plots: [String] = []
    }

    /// Translates the `dvc.yaml` at `file` (relative to the repository root `root`), read
    /// through `files`. Whether an output is a directory comes from `dvc.lock` (a `.dir`
    /// digest), the disk, or a metric or plot declared under it.
    ///
    /// - Throws: ``ValidationFailure`` when the file is missing or is not a DVC pipeline.
    public static func translate(_ file: String, root: String, files: any ProjectFiles) throws -> DVCImport {
        let reader = YAMLReader(file: file)
        let base = (file as NSString).deletingLastPathComponent
        guard let text = try files.read(file) else {
            throw ValidationFailure(diagnostics: [Diagnostic(.error, "no such file; give the path of a dvc.yaml", file: file)])
        }
        var translator = Translator(reader: reader, base: base, root: root, files: files, lock: Self.directories(in: files, base: base))
        if let node = reader.parse(text) { translator.read(node) }
        guard !reader.diagnostics.contains(where: { $0.severity == .error }) else { throw ValidationFailure(diagnostics: reader.diagnostics) }
        guard !translator.stages.isEmpty else {
            throw ValidationFailure(diagnostics: reader.diagnostics + [Diagnostic(.error, "no stages to import", file: file)])
        }
        return DVCImport(recipe: translator.rendered(source: file), notes: reader.diagnostics)
    }

    /// The outputs `dvc.lock` beside the pipeline records as directories (digests ending `.dir`).
    private static func directories(in files: any ProjectFiles, base: String) -> Set<String> {
        let path = base.isEmpty ? "dvc.lock" : "\(base)/dvc.lock"
        guard let text = try? files.read(path), let node = try? Yams.compose(yaml: text) else { return [] }
        var found: Set<String> = []
        for (_, stage) in node["stages"]?.mapping ?? [:] {
            for entry in (stage["outs"]?.sequence ?? []) + (stage["deps"]?.sequence ?? []) {
                let digest = entry["md5"]?.string ?? entry["hash"]?.string ?? ""
                if digest.hasSuffix(".dir"), let path = entry["path"]?.string { found.insert(path) }
            }
        }
        return found
    }

    /// Reads a `dvc.yaml` into stages, noting what it cannot translate.
    private struct Translator {
        let reader: YAMLReader
        /// The pipeline's directory, relative to the root.
        let base: String
        /// The repository root on disk.
        let root: String
        /// The project's files, as the recipe will read them (its params files among them).
        let files: any ProjectFiles
        /// Paths `dvc.lock` records as directories, relative to the pipeline's directory.
        let lock: Set<String>
        var stages: [Stage] = []
        /// Params files (relative to the root) and the top-level keys stages use; `nil`: all.
        var params: [(file: String, keys: [String]?)] = []
        /// Top-level `vars` values, for `${…}` in the pipeline.
        var vars: [String: String] = [:]
        /// Every param in the params files, by dotted name, for `${…}` in commands.
        var declared: Set<String> = []

        mutating func read(_ node: Node) {
            let allowed = ["stages", "vars", "metrics", "plots", "params", "artifacts", "datasets"]
            guard let fields = reader.fields(node, of: "dvc.yaml", allowed: allowed) else { return }
            for (key, what) in [("artifacts", "DVC's model registry entries"), ("datasets", "DVC's dataset references")] where fields[key] != nil {
                reader.warning("'\(key)' (\(what)) has no counterpart in a recipe; not imported", at: fields[key]!.position)
            }
            if let node = fields["vars"] { readVars(node) }
            if let node = fields["params"] {
                for entry in node.sequence ?? [] { addParams(entry, wdir: "") }
            }
            guard let stagesNode = fields["stages"] else {
                reader.error("dvc.yaml has no 'stages'", at: node)
                return
            }
            for (name, stage) in reader.mapping(stagesNode, of: "stages") ?? [] { readStage(name, stage) }
            // `${a.b}` may name a param of a file a later stage names: every file is known now.
            declared = paramNames()
            for index in stages.indices { stages[index].run = placeholders(stages[index].run, at: stages[index].commandMark) }
            for path in (fields["metrics"]?.sequence ?? []).compactMap(\.string) { attach(path, as: \.metrics, at: fields["metrics"]!) }
            for entry in fields["plots"]?.sequence ?? [] {
                for path in Self.plotFiles(entry) { attach(path, as: \.plots, at: entry) }
            }
        }

        /// Top-level `vars`: inline values are substituted; files of vars are not read.
        private mutating func readVars(_ node: Node) {
            for entry in node.sequence ?? [node] {
                if let mapping = entry.mapping {
                    for (key, value) in mapping {
                        if let key = key.string, let value = value.string { vars[key] = value }
                    }
                } else {
                    reader.warning("vars from a file ('\(entry.string ?? "?")') are not read; write the values into the recipe", at: entry.position)
                }
            }
        }

        /// One stage, or one step per item of its `foreach` or `matrix`.
        private mutating func readStage(_ name: Located<String>, _ node: Node) {
            if let items = node["foreach"] {
                guard let body = node["do"] else {
                    reader.error("stage '\(name.value)' has foreach but no do", at: node)
                    return
                }
                let expanded: [(key: String, item: Node)] =
                    if let mapping = items.mapping {
                        mapping.map { ($0.key.string ?? "", $0.value) }
                    } else {
                        (items.sequence ?? []).enumerated().map { index, item in (item.string ?? String(index), item) }
                    }
                for (key, item) in expanded {
                    readOne(Located("\(name.value)-\(key)", at: name.mark), body, item: item, key: key)
                }
            } else if let matrix = node["matrix"]?.mapping {
                var combinations: [[(String, Node)]] = [[]]
                for (axis, values) in matrix {
                    let values = values.sequence.map(Array.init) ?? [values]
                    combinations = combinations.flatMap { partial in values.map { partial + [(axis.string ?? "", $0)] } }
                }
                for combination in combinations {
                    let item = Node.mapping(Node.Mapping(combination.map { (Node($0.0), $0.1) }))
                    let key = combination.map { $0.1.string ?? "x" }.joined(separator: "-")
                    readOne(Located("\(name.value)-\(key)", at: name.mark), node, item: item, key: key)
                }
            } else {
                readOne(name, node, item: nil, key: nil)
            }
        }

        /// A stage with its `${item…}` and `${key}` bound.
        private mutating func readOne(_ name: Located<String>, _ node: Node, item: Node?, key: String?) {
            let allowed = [
                "cmd", "wdir", "deps", "params", "outs", "metrics", "plots", "frozen", "always_changed", "desc", "meta", "foreach", "do",
                "matrix", "vars",
            ]
            guard let fields = reader.fields(node, of: "stage '\(name.value)'", allowed: allowed) else { return }
            let stepName = String(name.value.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "-" })
            let bind = { (text: String) in Self.substitute(text, item: item, key: key, vars: vars) }
            let wdir = fields["wdir"]?.string.map(bind) ?? "."
            let directory = [base, wdir].filter { !$0.isEmpty && $0 != "." }.joined(separator: "/")
            let commands = (fields["cmd"]?.sequence.map { $0.compactMap(\.string) } ?? fields["cmd"]?.string.map { [$0] }) ?? []
            guard !commands.isEmpty else {
                reader.warning("stage '\(name.value)' has no cmd; not imported", at: node.position)
                return
            }
            let command = commands.map(bind).joined(separator: " && ")
            var stage = Stage(
                name: stepName, mark: name.mark, commandMark: fields["cmd"]!.position,
                run: directory.isEmpty ? command : "cd \(directory.shellQuoted) && \(command)")
            if fields["frozen"]?.bool == true {
                reader.warning(
                    "stage '\(name.value)' is frozen; a recipe has no frozen steps, so it runs like the others: drop it and declare its outputs "
                        + "as inputs of the steps that read them to keep DVC's behaviour", at: fields["frozen"]!.position)
            }
            if fields["always_changed"]?.bool == true {
                reader.warning(
                    "stage '\(name.value)' is always_changed; a step is restored from the step cache when nothing it reads changed: "
                        + "run with --no-cache to run every step", at: fields["always_changed"]!.position)
            }
            for entry in fields["params"]?.sequence ?? [] { addParams(entry, wdir: directory) }
            for entry in fields["deps"]?.sequence ?? [] {
                guard let path = Self.path(entry).map(bind) else { continue }
                if path.contains("://") {
                    reader.warning(
                        "dependency '\(path)' of stage '\(name.value)' is outside the repository; declare it as an asset (assets: {NAME: {url: …, sha256: …}})",
                        at: entry.position)
                    continue
                }
                stage.inputs.append(join(directory, path))
            }
            for (key, list) in [("outs", \Stage.outputs), ("metrics", \Stage.metrics), ("plots", \Stage.plots)] {
                for entry in fields[key]?.sequence ?? [] {
                    guard let path = Self.path(entry).map(bind) else { continue }
                    noteOutputOptions(entry, path: path, stage: name.value)
                    stage[keyPath: list].append(join(directory, path))
                    if key == "plots" { stage.outputs.append(join(directory, path)) }
                }
            }
            stages.append(stage)
        }

        /// Notes the options of an output a recipe has no counterpart for.
        private func noteOutputOptions(_ entry: Node, path: String, stage: String) {
            guard let options = entry.mapping?.first?.value else { return }
            if options["persist"]?.bool == true {
                reader.warning(
                    "output '\(path)' of stage '\(stage)' persists between runs in DVC; a step's outputs are removed before it runs, "
                        + "so the step must write it whole", at: entry.position)
            }
            if options["remote"] != nil {
                reader.warning(
                    "output '\(path)' of stage '\(stage)' goes to a DVC remote; outputs go to the artifact store and its remotes "
                        + "(git recipe push --artifacts)", at: entry.position)
            }
        }

        /// Adds the params a stage (or the pipeline) names: `a.b` (from `params.yaml`) or
        /// `{FILE: [a.b, …]}` (or `{FILE: }` for all of it).
        private mutating func addParams(_ entry: Node, wdir: String) {
            var add: [(file: String, key: String?)] = []
            if let name = entry.string {
                add.append(("params.yaml", String(name.prefix { $0 != "." })))
            } else if let mapping = entry.mapping {
                for (file, keys) in mapping {
                    guard let file = file.string else { continue }
                    guard !file.hasSuffix(".py") else {
                        reader.warning("params from a Python file ('\(file)') are not read; move them to YAML or JSON", at: entry.position)
                        continue
                    }
                    let names = keys.sequence?.compactMap(\.string) ?? []
                    add += names.isEmpty ? [(file, nil)] : names.map { (file, String($0.prefix { $0 != "." })) }
                }
            }
            for (file, key) in add {
                let path = join(wdir, file)
                let index =
                    params.firstIndex { $0.file == path }
                    ?? {
                        params.append((path, []))
                        return params.count - 1
                    }()
                if let key, let keys = params[index].keys {
                    if !keys.contains(key) { params[index].keys = keys + [key] }
                } else {
                    params[index].keys = nil
                }
            }
        }

        /// The dotted names of the values the params files hold, read as the recipe will read them.
        private func paramNames() -> Set<String> {
            var names: Set<String> = []
            for (file, _) in params {
                guard let text = try? files.read(file), let node = try? Yams.compose(yaml: text) else {
                    continue
                }
                func walk(_ node: Node, _ prefix: String) {
                    guard let mapping = node.mapping else {
                        names.insert(prefix)
                        return
                    }
                    for (key, value) in mapping { walk(value, prefix.isEmpty ? key.string ?? "" : "\(prefix).\(key.string ?? "")") }
                }
                walk(node, "")
            }
            return names
        }

        /// `${a.b}` naming a param becomes `{{params.a.b}}`; any other is noted.
        private func placeholders(_ command: String, at mark: SourcePosition?) -> String {
            var result = command
            for match in command.matches(of: /\$\{\s*([A-Za-z0-9_.\-]+)\s*\}/).reversed() {
                let name = String(match.output.1)
                if declared.contains(name) {
                    result.replaceSubrange(match.range, with: "{{params.\(name)}}")
                } else {
                    reader.warning("'${\(name)}' in a cmd names no param; write its value in the step's run", at: mark)
                }
            }
            return result
        }

        /// Adds `path` (from the pipeline's top-level `metrics` or `plots`) to the stage that
        /// writes it.
        private mutating func attach(_ path: String, as list: WritableKeyPath<Stage, [String]>, at node: Node) {
            let full = join(base, path)
            guard let index = stages.firstIndex(where: { $0.outputs.contains { $0 == full || full.hasPrefix($0 + "/") } }) else {
                reader.warning("'\(path)' is written by no stage's outs; not imported", at: node.position)
                return
            }
            if !stages[index][keyPath: list].contains(full) { stages[index][keyPath: list].append(full) }
        }

        /// `directory/path`, normalized.
        private func join(_ directory: String, _ path: String) -> String {
            let joined = directory.isEmpty || directory == "." ? path : "\(directory)/\(path)"
            return (joined as NSString).standardizingPath
        }

        /// The recipe: outputs that are directories end in `/`, inputs naming them too.
        func rendered(source: String) -> String {
            let underDeclared = Set(stages.flatMap { $0.metrics + $0.plots })
            var directories = Set(lock.map { join(base, $0) })
            for stage in stages {
                for path in stage.outputs + stage.inputs where isDirectory(path, under: underDeclared) { directories.insert(path) }
            }
            func form(_ path: String) -> String { directories.contains(path) ? path + "/" : path }
            for stage in stages {
                for path in stage.outputs where !directories.contains(path) && !(path as NSString).lastPathComponent.contains(".") {
                    reader.warning(
                        "output '\(path)' of stage '\(stage.name)' is taken as a file; if the stage writes a directory there, "
                            + "end it with '/' in the recipe (dvc.lock would have said: it records no such output)", at: stage.mark)
                }
            }
            var text = """
                # Imported from \(source) by git recipe import dvc; DVC's files are unchanged.
                # Lock it (git recipe lock), commit, then: git recipe run NAME
                version: 1
                seed: 0  # what steps get as RECIPE_SEED; the code's own seeds stay in its params

                """
            if !params.isEmpty {
                text += "params:\n"
                for (file, keys) in params {
                    text += "  - {file: \(YAMLScalar.text(file))"
                    if let keys { text += ", keys: [" + keys.map(YAMLScalar.text).joined(separator: ", ") + "]" }
                    text += "}\n"
                }
            }
            text += "steps:\n"
            for stage in stages {
                text += "  \(YAMLScalar.text(stage.name)):\n    run: \(YAMLScalar.doubleQuoted(stage.run))\n"
                let outputs = stage.outputs.filter { !stage.metrics.contains($0) }
                for (key, paths) in [("inputs", stage.inputs), ("outputs", outputs), ("metrics", stage.metrics), ("plots", stage.plots)]
                where !paths.isEmpty {
                    text +=
                        "    \(key): [" + paths.map { YAMLScalar.text(key == "metrics" || key == "plots" ? $0 : form($0)) }.joined(separator: ", ")
                        + "]\n"
                }
            }
            return text
        }

        /// Whether `path` is a directory: on disk, or holding a declared metric or plot.
        private func isDirectory(_ path: String, under declared: Set<String>) -> Bool {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(root)/\(path)", isDirectory: &isDirectory), isDirectory.boolValue { return true }
            return declared.contains { $0.hasPrefix(path + "/") }
        }

        /// A list entry's path: `path`, or `{path: {options}}`.
        private static func path(_ entry: Node) -> String? {
            entry.string ?? entry.mapping?.first?.key.string
        }

        /// The files a top-level plot names: the entry itself, its key, or the files of its `y`.
        private static func plotFiles(_ entry: Node) -> [String] {
            if let path = entry.string { return [path] }
            guard let (key, value) = entry.mapping?.first else { return [] }
            if let y = value["y"]?.mapping { return y.keys.compactMap(\.string) }
            return key.string.map { [$0] } ?? []
        }

        /// `text` with `${item}`, `${item.NAME}`, `${key}` and top-level vars substituted.
        private static func substitute(_ text: String, item: Node?, key: String?, vars: [String: String]) -> String {
            var result = text
            for match in text.matches(of: /\$\{\s*([A-Za-z0-9_.\-]+)\s*\}/).reversed() {
                let name = String(match.output.1)
                let value: String? =
                    if name == "item" { item?.string } else if name.hasPrefix("item."), let item {
                        item[String(name.dropFirst(5))]?.string
                    } else if name == "key" { key } else { vars[name] }
                if let value { result.replaceSubrange(match.range, with: value) }
            }
            return result
        }
    }
}
