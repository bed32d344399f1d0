import GitRecipeCommands

GitRecipeCommand.runAsMain()
