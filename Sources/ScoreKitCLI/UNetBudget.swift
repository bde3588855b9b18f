import ScoreKit

/// What a U-Net trains and samples with on images unless told otherwise: a budget that fits
/// about 30 minutes of training on 2 cores at 28 x 28 with im2col convolutions, measured on
/// Fashion-MNIST (20 minutes since the 3x3 layers run by Winograd's tiles).
///
/// - Batch 32: at equal time, more updates of smaller batches won (batch 32 for 2,800 steps:
///   Frechet distance 114.5; batch 64 for 900 steps: 165).
/// - One residual block per level, for 3,200 steps: a step costs 0.70 of a two-block one, and
///   more steps of the smaller network won (two blocks for 2,300 steps: 68.0).
/// - EMA decay 0.995: 0.999 would leave 0.999^3200 = 4% of the average on the initial weights.
/// - DDPM's ancestral step with the posterior variance beta-tilde (as DDIM with eta = 1) over 100
///   of the chain's 1,000 levels (1,000 images in 9 minutes with im2col, 5.5 with Winograd's
///   tiles; all 1,000 levels would take ten times as long). On the default run's checkpoint
///   (1,000 clipped samples, floor 10.3) 100 levels measured Frechet distance 52.0 (49.4 for
///   another draw) against 63.1 over 50, and 65.6 over 50 spaced as Karras et al.'s; the
///   default run with Winograd's tiles measured 58.1 (51.3 for another draw). On an earlier checkpoint (500 samples, floor 20.5) beta-tilde measured 88.4
///   against 96.2 with the variance beta and 116.7 with deterministic DDIM.
public enum UNetBudget {
    public static let batch = 32
    public static let blocks = 1
    public static let trainSteps = 3_200
    public static let emaDecay: Float = 0.995
    public static let minSNRGamma = 5
    public static var weighting: LossWeighting { .minSNR(gamma: Double(minSNRGamma)) }
    public static let sampler = SamplerKind.ddpmSmall
    public static let samplingSteps = 100

    /// `run` with this budget.
    public static func apply(to run: inout RunConfiguration) {
        run.batch = batch
        run.network.blocks = blocks
        run.length.trainSteps = trainSteps
        run.emaDecay = emaDecay
        run.objective.weighting = weighting
        run.sampling.sampler = sampler
        run.sampling.samplingSteps = samplingSteps
    }
}
