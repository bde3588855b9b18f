import Foundation
import ScoreKit
import Testing

/// An objective from outside the package trains a network through the public API alone.
@Suite struct CustomObjectiveTests {
    @Test func powerTwoIsDenoisingScoreMatching() {
        // The same draws, the same loss and gradient as the built-in objective, to rounding:
        // rejected are a level or noise drawn in another order, or a batch the network never reads.
        let process = VariancePreserving(steps: 1000), d = 2, rows = 16
        var rng = RandomSource(seed: 3)
        let model = ScoreMLP(configuration: MLPConfiguration(dimension: d, hiddenWidth: 16, hiddenLayers: 2, conditioning: .time(width: 8)), rng: &rng)
        let clean = ToyDataset.twoMoons.sample(count: rows, rng: &rng)
        let custom = ObjectiveEvaluator(network: model, objective: PowerWeightedDenoising(process: process, dimension: d, power: 2), rows: rows)
        let builtIn = ObjectiveEvaluator(network: model, objective: DenoisingScoreMatching(process: process, dimension: d), rows: rows)
        var a = RandomSource(seed: 4), b = RandomSource(seed: 4)
        let got = custom.lossAndGradients(clean, rng: &a), want = builtIn.lossAndGradients(clean, rng: &b)
        #expect(abs(got - want) <= 1e-5 * abs(want), "loss \(got) against DSM's \(want)")
        let worst = zip(custom.gradients.array, builtIn.gradients.array).map { abs($0 - $1) }.max()!
        let scale = builtIn.gradients.array.map { abs($0) }.max()!
        #expect(worst <= 1e-4 * scale, "gradients differ by \(worst) of \(scale)")
        #expect(a.state == b.state)
    }

    @Test func anotherWeightingLearnsTheGaussianScore() throws {
        // Data N(0, 0.5^2 I): under VE noise the perturbed score is -x / (0.25 + sigma^2). Weighted
        // by sigma alone, DSM still has that minimiser; the trained network must come within 10%.
        let d = 2, spread: Float = 0.5
        var rng = RandomSource(seed: 5)
        let data = Matrix(rows: 2048, columns: d, elements: rng.normals(count: 2048 * d).map { spread * $0 })
        let process = VarianceExploding(sigmas: .logUniform(min: 0.2, max: 2))
        let objective = PowerWeightedDenoising(process: process, dimension: d, power: 1)
        let model = ScoreMLP(configuration: MLPConfiguration(dimension: d, hiddenWidth: 32, hiddenLayers: 2), rng: &rng)
        let trainer = ScoreTrainer(model: model, data: data, objective: objective, batchSize: 256, learningRate: 3e-3, emaDecay: 0.99, rng: rng.split())
        for _ in 0..<2000 { try trainer.trainStep() }
        let probe = Matrix(rows: 256, columns: d, elements: rng.normals(count: 256 * d).map { spread * $0 })
        for sigma in [0.3, 1.0] {
            let learned = trainer.samplingModel.score(probe, sigma: Float(sigma))
            let exact = probe.elements.map { -$0 / Float(Double(spread * spread) + sigma * sigma) }
            let error = zip(learned.elements, exact).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
            let norm = exact.map { Double($0) * Double($0) }.reduce(0, +)
            #expect((error / norm).squareRoot() < 0.1, "relative score error \((error / norm).squareRoot()) at sigma \(sigma)")
        }
    }
}
