/// The tool's version, as `git recipe --version` prints it and manifests record it.
public enum GitRecipeVersion {
    public static let current = "0.1.0"
}
