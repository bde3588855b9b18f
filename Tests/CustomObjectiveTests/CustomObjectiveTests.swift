import Foundation
import ScoreKit
import Testing

/// An objective and a network from outside the package train through the public API alone.
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

    /// A network written outside the package trains by the built-in DSM through the trainer
    /// and samples through `NetworkScore`: at sigma = 1 on data N(0, diag(v)) the exact
    /// perturbed score is -x / (v + 1), so tau s = (a x + b) / 1 needs a = -1 / (v + 1), b = 0.
    @Test func aNetworkFromOutsideTrainsAndAnswersScores() throws {
        let spreads: [Float] = [0.5, 2], d = 2
        var rng = RandomSource(seed: 6)
        let data = Matrix(rows: 4096, columns: d, elements: rng.normals(count: 4096 * d).enumerated().map { spreads[$0.offset % d] * $0.element })
        let network = DiagonalAffineNetwork(configuration: .init(dimension: d), parameters: [0, 0, 0, 0])
        let objective = DenoisingScoreMatching(sigmas: .logUniform(min: 1, max: 1.0001), dimension: d)
        let trainer = ScoreTrainer(model: network, data: data, objective: objective, batchSize: 256, learningRate: 1e-2, emaDecay: 0.99, rng: rng.split())
        for _ in 0..<1500 { try trainer.trainStep() }
        let learned = trainer.samplingModel.parameters.array
        for i in 0..<d {
            let want = -1 / (Double(spreads[i] * spreads[i]) + 1)
            #expect(abs(Double(learned[i]) - want) < 0.05 * abs(want), "coordinate \(i): a = \(learned[i]), exact \(want)")
            #expect(abs(learned[d + i]) < 0.05, "coordinate \(i): b = \(learned[d + i])")
        }
        // Read as a score function, in chunks smaller than the query: (a x + b) / sigma.
        let probe = Matrix(rows: 7, columns: d, elements: (0..<14).map { Float($0) / 7 - 1 })
        let scores = NetworkScore(model: trainer.samplingModel, chunk: 3).scores(probe, at: NoiseLevel(sigma: 2))
        for (k, value) in scores.elements.enumerated() {
            let i = k % d
            #expect(abs(value - (learned[i] * probe.elements[k] + learned[d + i]) / 2) < 1e-6)
        }
        // Its dL/dx answers reverse-mode queries: v^T (ds/dx) = a v / sigma.
        let directions = Matrix(rows: 7, columns: d, elements: (0..<14).map { Float($0 % 5) - 2 })
        var reverseScores = Matrix(rows: 7, columns: d), products = Matrix(rows: 7, columns: d)
        NetworkScore(model: trainer.samplingModel, chunk: 3)
            .vectorJacobianProducts(probe, at: NoiseLevel(sigma: 2), directions: directions, scores: &reverseScores, products: &products)
        #expect(reverseScores.elements == scores.elements)
        for (k, value) in products.elements.enumerated() {
            #expect(abs(value - learned[k % d] * directions.elements[k] / 2) < 1e-6)
        }
    }
}
