import Testing

@testable import GitRecipeCore

@Suite("Run settings")
struct RunSettingsTests {
    static var recipe: Recipe {
        var recipe = Recipe(name: "train", file: ".recipes/train.yaml")
        recipe.seed = Located(42, at: nil)
        recipe.params = [
            "lr": .float(0.01), "epochs": .int(10), "name": .string("x"), "optim": .map(["momentum": .float(0.9), "nesterov": .bool(false)]),
        ]
        return recipe
    }

    @Test func overridesAreTypedAgainstTheDeclaredParams() throws {
        let settings = try RunSettings(
            recipe: Self.recipe, assignments: ["lr=1", "epochs=3", "name=true", "optim.nesterov=true"], seed: nil, seeds: nil)
        #expect(settings.params["lr"] == .float(1.0), "an integer may stand for a number")
        #expect(settings.params["epochs"] == .int(3))
        #expect(settings.params["name"] == .string("true"), "a string param takes the text as it is")
        #expect(settings.params["optim"] == .map(["momentum": .float(0.9), "nesterov": .bool(true)]))
        #expect(settings.overrides == ["lr": .float(1.0), "epochs": .int(3), "name": .string("true"), "optim.nesterov": .bool(true)])
        #expect(settings.seeds == [42])
    }

    @Test func wrongTypesAndUnknownNamesAreRefused() {
        #expect(throws: RunInputError.wrongType("epochs", value: "1.5", expected: "an integer")) {
            try RunSettings(recipe: Self.recipe, assignments: ["epochs=1.5"], seed: nil, seeds: nil)
        }
        #expect(
            throws: RunInputError.unknownParam("optim.beta", recipe: "train", known: ["epochs", "lr", "name", "optim.momentum", "optim.nesterov"])
        ) {
            try RunSettings(recipe: Self.recipe, assignments: ["optim.beta=1"], seed: nil, seeds: nil)
        }
    }

    @Test func seedsComeFromTheFlagsOrTheRecipe() throws {
        #expect(try RunSettings(recipe: Self.recipe, assignments: [], seed: 7, seeds: nil).seeds == [7])
        #expect(try RunSettings(recipe: Self.recipe, assignments: [], seed: nil, seeds: "0..4").seeds == [0, 1, 2, 3, 4])
        #expect(try RunSettings(recipe: Self.recipe, assignments: [], seed: nil, seeds: "1, 7,42").seeds == [1, 7, 42])
        #expect(throws: RunInputError.malformedSeeds("4..0")) { try RunSettings(recipe: Self.recipe, assignments: [], seed: nil, seeds: "4..0") }
        var unseeded = Self.recipe
        unseeded.seed = nil
        #expect(throws: RunInputError.noSeed(recipe: "train")) { try RunSettings(recipe: unseeded, assignments: [], seed: nil, seeds: nil) }
    }
}
