/// The tool's version, as `git recipe --version` prints it and manifests record it.
public enum GitRecipeVersion {
    /// This release's version.
    public static let current = "0.1.0"
}
