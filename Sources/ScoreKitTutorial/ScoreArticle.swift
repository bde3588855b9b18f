import Foundation
import ScoreKit
import ScoreKitStudies

/// "The score and the Fisher divergence": the 8-Gaussians mixture's exact score, and the relative
/// Fisher divergence E||s - grad log q_sigma||^2 / E||grad log q_sigma||^2 of a network before
/// and after DSM training, at five noise levels.
public struct ScoreArticle: Article {
    public static let fileName = "TheScoreAndTheFisherDivergence"
    public static let sigmas: [Float] = [0.05, 0.1, 0.3, 1, 3]
    public let steps: Int
    /// Relative Fisher divergence of the untrained and the trained network, per level.
    public let untrained: [Double]
    public let trained: [Double]
    public let figures: [(name: String, figure: SVGFigure)]

    public init(quick: Bool) throws {
        let mixture = ToyDataset.eightGaussians.mixture!
        var rng = RandomSource(seed: 1)
        let data = mixture.sample(count: 20_000, rng: &rng)
        let model = ScoreMLP(configuration: MLPConfiguration(dimension: 2, hiddenWidth: 128, hiddenLayers: 2), rng: &rng)
        steps = quick ? 300 : 5_000
        func errors() -> [Double] {
            var evaluation = RandomSource(seed: 2)
            return ScoreError.relative(of: NetworkScore(model: model), target: mixture, sigmas: Self.sigmas,
                                       samples: quick ? 500 : 4000, rng: &evaluation)
        }
        untrained = errors()
        let trainer = ScoreTrainer(model: model, data: data, sigmas: .logUniform(min: 0.01, max: 10), batchSize: 256,
                                   emaDecay: nil, rng: rng.split())
        for _ in 0..<steps { try trainer.trainStep() }
        trained = errors()
        figures = [("score-field", Figures.scoreField(learned: NetworkScore(model: model), exact: mixture, over: data,
                                                        at: NoiseLevel(sigma: 0.3),
                                                        title: "8 Gaussians at sigma = 0.3: learned (blue) and exact (green) score"))]
    }

    public var generated: String {
        table(["sigma", "untrained network", "after \(steps) DSM steps"],
              Self.sigmas.indices.map { [String(format: "%g", Self.sigmas[$0]), String(format: "%.3f", untrained[$0]),
                                        String(format: "%.4f", trained[$0])] })
    }
}
