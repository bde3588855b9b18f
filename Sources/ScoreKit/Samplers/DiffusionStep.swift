/// The reverse steps of a Gaussian process derived from its two levels (`ReverseDiffusionStep`):
/// DDPM's ancestral step (Ho et al. 2020; score SDEs' reverse-diffusion predictor) and DDIM's
/// (Song, Meng and Ermon 2021).
public enum DiffusionStep: Predictor, Equatable {
    /// DDPM's ancestral step with the posterior variance beta_t (large) or beta-tilde_t (small).
    case ancestral(largeVariance: Bool)
    /// DDIM with eta in [0, 1].
    case ddim(eta: Double)

    public var name: String {
        switch self {
        case .ancestral(true): "ddpm"
        case .ancestral(false): "ddpm-small"
        case let .ddim(eta): eta == 0 ? "ddim" : "ddim-eta\(eta)"
        }
    }

    public func update(from: NoiseLevel, to: NoiseLevel) -> ChainUpdate {
        let step = ReverseDiffusionStep(from: from, to: to)
        return switch self {
        case let .ancestral(large): step.ancestral(largeVariance: large)
        case let .ddim(eta): step.ddim(eta: eta)
        }
    }
}
