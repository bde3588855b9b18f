/// The exact score of a `FullCovarianceMixture` carried through `BlurringDiffusion` to the time
/// of the level it is asked at: its marginal is again such a mixture (`BlurringDiffusion.marginal`),
/// so the blurring sampler can run without a network, and a learned score be measured against it.
/// Each call costs d^3 per component: a stand-in's tool (d = 64 for the digits), not a network's.
public struct BlurringDiffusionMixtureScore: ScoreFunction {
    public let mixture: FullCovarianceMixture
    public let process: BlurringDiffusion

    public init(mixture: FullCovarianceMixture, process: BlurringDiffusion) {
        precondition(mixture.dimension == process.shape.pixels,
                     "BlurringDiffusionMixtureScore: a mixture of dimension \(mixture.dimension) for \(process.shape) images")
        self.mixture = mixture
        self.process = process
    }

    public var dimension: Int { mixture.dimension }

    /// NaN in every coordinate when the marginal is singular, so a sampler counts the samples as
    /// diverged instead of going on silently.
    public func score(_ x: Matrix, at level: NoiseLevel, into out: inout Matrix) {
        FullCovarianceMixture.scores(x, under: process.marginal(of: mixture, at: level.time), dimension: dimension, into: &out)
    }
}
