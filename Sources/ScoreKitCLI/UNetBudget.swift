import ScoreKit

/// What a U-Net trains and samples with on images unless told otherwise: a budget that fits
/// about 30 minutes of training on 2 cores at 28 x 28, measured on Fashion-MNIST.
///
/// - Batch 32: at equal time, more updates of smaller batches won (batch 32 for 2,800 steps:
///   Frechet distance 114.5; batch 64 for 900 steps: 165).
/// - EMA decay 0.995: 0.999 would leave 0.999^2300 = 10% of the average on the initial weights.
/// - DDPM's ancestral step with the posterior variance beta-tilde (as DDIM with eta = 1) over 50
///   of the chain's 1,000 levels: all 1,000 would take 20 times as long (about 2 hours for 1,000
///   images). On one checkpoint (batch 32, 2,800 steps; 500 clipped samples, floor 20.5) it
///   measured 88.4 against 96.2 with the variance beta and 116.7 with deterministic DDIM.
public enum UNetBudget {
    public static let batch = 32
    public static let trainSteps = 2_300
    public static let emaDecay: Float = 0.995
    public static let minSNRGamma = 5
    public static var weighting: LossWeighting { .minSNR(gamma: Double(minSNRGamma)) }
    public static let sampler = SamplerKind.ddpmSmall
    public static let samplingSteps = 50

    /// `run` with this budget.
    public static func apply(to run: inout RunConfiguration) {
        run.batch = batch
        run.length.trainSteps = trainSteps
        run.emaDecay = emaDecay
        run.objective.weighting = weighting
        run.sampling.sampler = sampler
        run.sampling.samplingSteps = samplingSteps
    }
}
