/// A noise process indexed by a level sigma: a conditional k_sigma(x~ | x) that turns clean data
/// into corrupted data, in Vincent's sense of a perturbation kernel. Additive noise
/// (`AdditiveNoise`) and the blur-like `LinearDegradation` conform, so the objectives, the
/// Monte Carlo checks and the exact scores treat them alike.
///
/// Denoising score matching regresses onto grad_x~ log k_sigma(x~ | x), which needs k to have a
/// density in x~: a deterministic map has none (`hasConditionalScore` false), while sliced score
/// matching on the corrupted data needs no conditional score at all.
public protocol Corruption: Sendable {
    var name: String { get }
    /// Whether k_sigma(. | x) has a density, so that DSM has a target.
    var hasConditionalScore: Bool { get }
    /// One draw x~ ~ k_sigma(. | x) for row `row` of `clean` into the same row of `corrupted`, and
    /// grad_x~ log k_sigma(x~ | x) into that row of `target` (0 where it is undefined, and
    /// everywhere when there is no density). All three matrices have the same shape.
    func corrupt(row: Int, of clean: Matrix, sigma: Float, into corrupted: inout Matrix, target: inout Matrix,
                 rng: inout RandomSource)
    /// The corrupted density q_sigma(x~) = integral p(x) k_sigma(x~ | x) dx of a Gaussian mixture,
    /// exactly, at every level: its score is the ground truth a learned score is measured against.
    func corrupted(_ mixture: GaussianMixture) -> any PerturbedDataSource
    /// tau(sigma): the corrupted density's score is about 1 / tau in size. A network trained with
    /// `OutputScaling.corruption` divides its output by it, as NCSN does with sigma for additive noise.
    func outputScale(at sigma: Double) -> Double
    /// The last denoising step a sampler would take from x~ given the score of q_sigma there:
    /// the posterior mean E[x | x~] when Tweedie's formula holds for this corruption.
    func denoised(_ corrupted: [Double], score: [Double], sigma: Double) -> [Double]
}

extension AdditiveNoise {
    /// A density in every case, though the uniform box's score (0 inside) carries no information.
    public var hasConditionalScore: Bool { true }

    /// x~ = x + u, u_j drawn from the kernel at level sigma, coordinate by coordinate.
    public func corrupt(row: Int, of clean: Matrix, sigma: Float, into corrupted: inout Matrix, target: inout Matrix,
                        rng: inout RandomSource) {
        let k = scaled(to: Double(sigma))
        for j in 0..<clean.columns {
            let u = k.sample(rng: &rng)
            corrupted[row, j] = clean[row, j] + Float(u)
            target[row, j] = Float(k.conditionalScore(u) ?? 0)
        }
    }

    /// sigma: the noise sets the score's size.
    public func outputScale(at sigma: Double) -> Double { sigma }

    public func corrupted(_ mixture: GaussianMixture) -> any PerturbedDataSource {
        PerturbedMixture(mixture: mixture, kernel: self)
    }

    /// Tweedie's formula x~ + sigma^2 grad log q(x~), the Gaussian posterior mean, applied as is.
    public func denoised(_ corrupted: [Double], score: [Double], sigma: Double) -> [Double] {
        zip(corrupted, score).map { $0 + sigma * sigma * $1 }
    }
}
