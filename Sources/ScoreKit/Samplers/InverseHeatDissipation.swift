/// The reverse process of inverse heat dissipation (Rissanen et al., 2023, Algorithm 2), in its
/// posterior-mean form:
///
///     u_K ~ prior,   u_(k-1) = A_(t_(k-1)) R(u_k, k) + delta xi,   xi ~ N(0, I),   k = K...1
///
/// with no noise on the last step (k = 1, which returns R(u_1, 1) itself since t_0 = 0). With
/// R = E[x_0 | u_k] the mean is E[A_(t_(k-1)) x_0 | u_k], the paper's mu_theta; a score
/// network would give only E[A_(t_k) x_0 | u_k] = u_k + eta^2 s, and reaching level k - 1 from it
/// needs A_(t_(k-1)) A_(t_k)^(-1), which multiplies the network's error at the finest frequency by
/// exp((t_k - t_(k-1)) lambda_max) (about 10^5 at the top of the default 8 x 8 ladder).
/// delta slightly above eta (the paper's 1.25 eta) keeps the chains apart where the top levels
/// carry almost no information. The prior is a Gaussian fitted to the training images blurred
/// to level K (`BlurLadder.prior`).
///
/// With `clip`, each restored image is clipped to that range (the data's, [-1, 1] for images)
/// before it is blurred, as DDPM's reference sampler clips its denoised estimate. A learned R
/// need not shrink what the chain adds as the exact posterior mean does: on the digits an MLP's
/// chain grew from |u| ~ 0.7 to 8 (delta = 1.25 eta) and 335 (delta = eta) over the last ten
/// levels, where R deblurs the most; clipped, it stays in range.
public struct InverseHeatDissipation: RestorationSampler, Sendable {
    public let ladder: BlurLadder
    public let prior: FullCovarianceMixture
    /// delta, the standard deviation of each step's noise.
    public let samplingNoise: Double
    public let clip: ClosedRange<Float>?

    public init(ladder: BlurLadder, prior: FullCovarianceMixture, samplingNoise: Double, clip: ClosedRange<Float>? = nil) {
        precondition(prior.dimension == ladder.shape.pixels, "InverseHeatDissipation: the prior has \(prior.dimension) coordinates for \(ladder.shape) images")
        precondition(samplingNoise >= 0 && samplingNoise.isFinite, "InverseHeatDissipation: the sampling noise must be finite and non-negative")
        self.ladder = ladder
        self.prior = prior
        self.samplingNoise = samplingNoise
        self.clip = clip
    }

    public var name: String { clip == nil ? "inverse-heat" : "inverse-heat-clipped" }

    /// Draws `count` images: K restorations per chain. `progress` gets (levels done, K).
    public func sample(count: Int, restoration: some Restoration, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        let d = ladder.shape.pixels
        precondition(restoration.dimension == d, "InverseHeatDissipation: the restoration is for dimension \(restoration.dimension), the images have \(d)")
        var u = prior.sample(count: count, rng: &rng)
        var restored = Matrix(rows: count, columns: d), scratch = restored, noise = restored
        let delta = Float(samplingNoise)
        for k in stride(from: ladder.levels, through: 1, by: -1) {
            restoration.restore(u, level: k, into: &restored)
            if let clip {
                for i in restored.elements.indices { restored.elements[i] = min(clip.upperBound, max(clip.lowerBound, restored.elements[i])) }
            }
            ladder.blur(restored, level: k - 1, into: &u, scratch: &scratch)
            if k > 1 && delta > 0 {
                noise.elements.withUnsafeMutableBufferPointer { rng.fillNormal($0.baseAddress!, count: $0.count) }
                for i in u.elements.indices { u.elements[i] += delta * noise.elements[i] }
            }
            progress?(ladder.levels - k + 1, ladder.levels)
        }
        return SamplerRun(samples: u, evaluations: ladder.levels)
    }
}
