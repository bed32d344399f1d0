/// Where a step's command runs: on the host as it is, inside a container
/// image pinned by digest, or sandboxed under bubblewrap, seeing only what it declares.
/// A step's `image:` wins over the recipe's `environment.image`; a step in no image is
/// sandboxed when it says `sandbox: true`, or when the recipe's `environment.sandbox` is and
/// the step does not say `sandbox: false`. The network is off in an image or a sandbox
/// unless the step says `network: true`.
public enum StepIsolation: Sendable, Equatable {
    /// On the host, as the user's shell would run it.
    case host
    /// Under bubblewrap: the file system read-only, the repository showing only the step's
    /// inputs and outputs.
    case sandbox(network: Bool)
    /// Inside the container image `reference` (`NAME@sha256:…`).
    case image(String, network: Bool)

    /// The image, when the step runs in one.
    public var image: String? {
        if case .image(let reference, _) = self { return reference }
        return nil
    }
}
