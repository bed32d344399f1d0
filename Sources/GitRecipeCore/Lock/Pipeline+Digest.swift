extension Pipeline {
    /// The digest of what the recipe does once components are expanded: steps, commands,
    /// paths, resources, environment and assets as declared, and tolerances. Comments and
    /// layout do not count; seed and params are pinned on their own in the lock.
    var structureDigest: ContentDigest {
        let recipe = self.recipe
        var assets: [String: CanonicalYAML] = [:]
        for asset in recipe.assets {
            switch asset.source {
            case .url(let url, let sha256):
                assets[asset.name.value] = .map(["url": .string(url.value), "sha256": .string(sha256?.value ?? "")])
            case .path(let path):
                assets[asset.name.value] = .map(["path": .string(path.value)])
            }
        }
        var environment: [String: CanonicalYAML] = [
            "files": .list(recipe.environment.files.map { .string($0.value) }),
            "probes": .map(recipe.environment.probes.mapValues { .string($0.value) }),
            "vars": .map(recipe.environment.vars.mapValues(CanonicalYAML.string)),
        ]
        if let image = recipe.environment.image { environment["image"] = .string(image.value) }
        let steps: [CanonicalYAML] = self.steps.map { step in
            var fields: [String: CanonicalYAML] = [
                "name": .string(step.name),
                "run": .string(step.command.text),
                "needs": .list(step.dependencies.sorted().map(CanonicalYAML.string)),
                "inputs": .list(step.inputs.map(CanonicalYAML.string)),
                "outputs": .list(step.outputs.map(CanonicalYAML.string)),
                "metrics": .list(step.metrics.map(CanonicalYAML.string)),
            ]
            if let component = step.component { fields["component"] = .string(component) }
            if let bindings = step.bindings { fields["bindings"] = .map(bindings.mapValues(CanonicalYAML.string)) }
            if let resources = step.resources {
                var values: [String: CanonicalYAML] = [:]
                if let cpus = resources.cpus { values["cpus"] = .int(cpus) }
                if let gpus = resources.gpus { values["gpus"] = .int(gpus) }
                if let memory = resources.memory { values["memory"] = .string(memory) }
                if let time = resources.time { values["time"] = .string(time) }
                fields["resources"] = .map(values)
            }
            return .map(fields)
        }
        let document: CanonicalYAML = .map([
            "assets": .map(assets),
            "environment": .map(environment),
            "steps": .list(steps),
            "tolerance": .map(recipe.tolerance.mapValues(CanonicalYAML.float)),
        ])
        return ContentDigest.of(Array(document.rendered().utf8))
    }

    /// Paths the lock pins: step inputs no step produces (component files included), in
    /// first-use order, each with the first step that reads it.
    var pinnedInputs: [(path: String, step: String)] {
        let produced = steps.flatMap(\.outputs)
        var seen: Set<String> = []
        var pinned: [(path: String, step: String)] = []
        for step in steps {
            for input in step.inputs where !produced.contains(where: { RepositoryPath.overlap($0, input) }) {
                if seen.insert(input).inserted { pinned.append((input, step.name)) }
            }
        }
        return pinned
    }

    /// Every path in the repository the lock pins by content: inputs and environment files.
    var pinnedPaths: [String] {
        pinnedInputs.map(\.path) + recipe.environment.files.map(\.value)
    }
}
