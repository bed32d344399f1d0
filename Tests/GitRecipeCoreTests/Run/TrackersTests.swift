import Foundation
import Testing

@testable import GitRecipeCore

/// What a step is told for experiment trackers: the recipe run, unless the
/// user has said otherwise, and never at the cost of the user's own settings.
@Suite("Tracker variables")
struct TrackersTests {
    func environment(_ base: [String: String]) -> [String: String] {
        Trackers.environment(base, recipe: "train", run: "RUN", step: "fit", directory: "/repo/.git/recipes/runs/RUN")
    }

    @Test func aStepIsToldItsRunThroughWhatTheTrackersRead() throws {
        let told = environment([:])
        let tags = try #require(try JSONSerialization.jsonObject(with: Data(told["MLFLOW_RUN_CONTEXT"]!.utf8)) as? [String: String])
        #expect(tags == ["git-recipe.run": "RUN", "git-recipe.recipe": "train", "git-recipe.step": "fit"])
        #expect(told["MLFLOW_EXPERIMENT_NAME"] == "train")
        #expect(told["WANDB_RUN_GROUP"] == "RUN" && told["WANDB_JOB_TYPE"] == "fit")
        #expect(told["WANDB_TAGS"] == "git-recipe,recipe:train")
        #expect(told["WANDB_DIR"] == "/repo/.git/recipes/runs/RUN/trackers/fit")
    }

    @Test func theUsersOwnSettingsWin() throws {
        let told = environment([
            "MLFLOW_RUN_CONTEXT": #"{"team": "vision", "priority": 2}"#, "MLFLOW_EXPERIMENT_ID": "7", "WANDB_RUN_GROUP": "mine",
            "WANDB_TAGS": "a,b", "WANDB_DIR": "/scratch",
        ])
        let tags = try #require(try JSONSerialization.jsonObject(with: Data(told["MLFLOW_RUN_CONTEXT"]!.utf8)) as? [String: String])
        #expect(tags["team"] == "vision" && tags["priority"] == "2" && tags["git-recipe.run"] == "RUN")
        #expect(told["MLFLOW_EXPERIMENT_NAME"] == nil)
        #expect(told["WANDB_RUN_GROUP"] == "mine")
        #expect(told["WANDB_TAGS"] == "a,b,git-recipe,recipe:train")
        #expect(told["WANDB_DIR"] == "/scratch")
    }
}
