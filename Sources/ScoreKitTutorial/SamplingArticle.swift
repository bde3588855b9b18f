import Foundation
import ScoreKit
import ScoreKitStudies

/// "From scores to samples": the noise-prediction loss is DSM with the weight sigma^2, shown on
/// a batch; then annealed Langevin (VE) and DDPM and DDIM (VP) run with the mixture's exact
/// score, so that what they lose is the sampler's alone.
public struct SamplingArticle: Article {
    public static let fileName = "FromScoresToSamples"
    /// The engine's DSM loss and the same batch's noise-prediction loss 0.5 mean ||eps_hat - eps||^2.
    public let denoisingLoss: Double
    public let noiseLoss: Double
    /// Sliced Wasserstein-2 of each sampler's samples to the data, and of fresh data.
    public let runs: [(sampler: String, evaluations: Int, slicedW2: Double)]
    public let freshData: Double
    public let sampleCount: Int
    public let figures: [(name: String, figure: SVGFigure)]

    public init(quick: Bool) throws {
        // The loss on one batch, by the engine and by hand from the network's noise prediction.
        let process = VariancePreserving(steps: 1000), d = 2, batch = 64
        var rng = RandomSource(seed: 7)
        let model = ScoreMLP(configuration: MLPConfiguration(dimension: d, hiddenWidth: 64, hiddenLayers: 2, conditioning: .time(width: 16),
                                                             parameterisation: .noise), rng: &rng)
        let clean = ToyDataset.eightGaussians.sample(count: batch, rng: &rng)
        let objective = DenoisingScoreMatching(process: process, dimension: d)
        var draws = RandomSource(seed: 8)
        denoisingLoss = ObjectiveEvaluator(network: model, objective: objective, rows: batch).lossAndGradients(clean, rng: &draws)
        var replay = RandomSource(seed: 8)
        let levels = (0..<batch).map { _ in process.trainingLevel(uniform: replay.uniform()) }
        let noise = replay.normals(count: batch * d), network = NetworkScore(model: model)
        var total = 0.0
        for i in 0..<batch {
            let level = levels[i], z = Array(noise[(i * d)..<((i + 1) * d)])
            let x = Matrix(rows: 1, columns: d, elements: (0..<d).map { Float(level.alpha) * clean[i, $0] + Float(level.sigma) * z[$0] })
            let s = network.scores(x, at: level)
            // eps_hat = -sigma s: the network's own output under the noise parameterisation.
            total += (0..<d).reduce(0.0) { sum, j in
                let error = -level.sigma * Double(s[0, j]) - Double(z[j])
                return sum + 0.5 * error * error
            }
        }
        noiseLoss = total / Double(batch)

        // Samplers with the exact score.
        let mixture = ToyDataset.eightGaussians.mixture!
        sampleCount = quick ? 200 : 5_000
        let data = mixture.sample(count: 20_000, rng: &rng)
        freshData = SlicedWasserstein.distance(mixture.sample(count: sampleCount, rng: &rng), data, rng: &rng)
        let samplers: [(String, any ScoreSampler)] = [
            ("annealed Langevin (VE, 10 levels x 100 steps)", AnnealedLangevin(sigmaMax: 10, sigmaMin: 0.01, levels: 10, stepsPerLevel: 100)),
            ("DDPM (VP, 1000 steps)", try DiffusionSampler(process: process, rule: .ancestral(largeVariance: false))),
            ("DDPM (VP, 50 steps)", try DiffusionSampler(process: process, rule: .ancestral(largeVariance: false), steps: 50)),
            ("DDIM (VP, 50 steps)", try DiffusionSampler(process: process, rule: .ddim(eta: 0), steps: 50)),
            ("DDPM (VP, 10 steps)", try DiffusionSampler(process: process, rule: .ancestral(largeVariance: false), steps: 10)),
            ("DDIM (VP, 10 steps)", try DiffusionSampler(process: process, rule: .ddim(eta: 0), steps: 10)),
        ]
        var runs: [(String, Int, Double)] = [], figures: [(String, SVGFigure)] = []
        for (name, sampler) in samplers {
            let run = sampler.sample(count: sampleCount, score: mixture, rng: &rng, progress: nil)
            runs.append((name, run.evaluations, SlicedWasserstein.distance(run.samples, data, rng: &rng)))
            if name.hasPrefix("DDIM (VP, 10") {
                figures.append(("ddim-10-steps", Figures.samples(run.samples, over: data, density: mixture,
                                                                 title: "DDIM, 10 steps, exact score: samples (red) over the density")))
            }
        }
        self.runs = runs
        self.figures = figures
    }

    public var generated: String {
        String(format: "On one batch of 64 rows: the engine's DSM loss %.9g, the noise-prediction loss %.9g (relative difference %.1e).",
               denoisingLoss, noiseLoss, abs(denoisingLoss - noiseLoss) / noiseLoss)
            + "\n\n" + table(["sampler, exact score", "network evaluations", "sliced W2 to the data"],
                             runs.map { [$0.sampler, "\($0.evaluations)", String(format: "%.4f", $0.slicedW2)] }
                             + [["fresh data (the floor)", "-", String(format: "%.4f", freshData)]])
            + "\n\n\(sampleCount) samples per sampler."
    }
}
