/// What the Hyvarinen-objective estimators train on.
public enum Perturbation: Sendable {
    /// The data as given, with the network conditioned on one fixed sigma (weight 1).
    case clean(sigma: Float)
    /// x~ = x + sigma z with sigma drawn per row and given to the network as its conditioning
    /// input, each row weighted by sigma^2 (as DSM's lambda): the noise-conditional variant
    /// whose score at every level is what annealed sampling needs.
    case gaussian(SigmaDistribution)
    /// x~ ~ k_sigma(. | x) from any corruption at sigma drawn per row, weighted by sigma^2 as
    /// above. The Hyvarinen objective needs no conditional score, so it learns the corrupted
    /// density's score even where DSM's target is useless (the uniform box) or missing (a
    /// deterministic degradation).
    case kernel(any Corruption, SigmaDistribution)
}
