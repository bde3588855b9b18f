/// What the Hyvarinen-objective estimators train on.
public enum Perturbation: Sendable {
    /// The data as given, with the network conditioned on one fixed sigma (weight 1).
    case clean(sigma: Float)
    /// x~ = x + sigma z with sigma drawn per row and given to the network as its conditioning
    /// input, each row weighted by sigma^2 (as DSM's lambda): the noise-conditional variant
    /// whose score at every level is what annealed sampling needs.
    case gaussian(SigmaDistribution)
    /// x~ = x + u with u from the kernel's family at sigma drawn per row, weighted by sigma^2 as
    /// above. The Hyvarinen objective needs no conditional score, so it learns the perturbed
    /// score even for kernels whose DSM target is useless (the uniform box).
    case kernel(any PerturbationKernel, SigmaDistribution)
}
