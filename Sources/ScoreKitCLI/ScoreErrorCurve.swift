import ScoreKit

/// The relative score error of a model measured during training at a few noise levels,
/// against the exact perturbed score of a mixture or else a kernel-density proxy of the data.
/// Each measurement uses the same 1,000 noisy points per level, so the curve shows the model
/// changing, not the sampling noise of the measurement.
public struct ScoreErrorCurve {
    public let sigmas: [Float]
    public let reference: String
    public private(set) var steps: [Int] = []
    public private(set) var errors: [[Double]] = []
    let target: GaussianMixture
    let seed: UInt64

    public init(data: Matrix, mixture: GaussianMixture?, sigmas: [Float], seed: UInt64) {
        self.sigmas = sigmas
        self.seed = seed
        if let mixture {
            target = mixture
            reference = "exact score"
        } else {
            target = GaussianMixture.empiricalProxy(of: data, limit: 1000)
            reference = "kernel-density proxy"
        }
    }

    public mutating func measure(_ model: ScoreMLP, step: Int) {
        var rng = RandomSource(seed: seed)
        errors.append(ScoreError.relative(of: NetworkScore(model: model), target: target, sigmas: sigmas, samples: 1000, rng: &rng))
        steps.append(step)
    }
}
