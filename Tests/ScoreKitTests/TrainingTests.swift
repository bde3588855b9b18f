import Testing
import ScoreKit

@Suite struct TrainingTests {
    let config = MLPConfiguration(dimension: 2, hiddenWidth: 32, hiddenLayers: 2)

    func trainer(seed: UInt64, data: Matrix, lr: Float = 3e-3) -> DSMTrainer {
        var rng = RandomSource(seed: seed)
        let model = ScoreMLP(configuration: config, rng: &rng)
        return DSMTrainer(model: model, data: data, sigmas: .logUniform(min: 0.1, max: 5), batchSize: 128,
                          learningRate: lr, emaDecay: nil, rng: rng.split())
    }

    @Test func trainingLowersTheScoreErrorAgainstTheExactPerturbedScore() throws {
        let mixture = ToyDataset.eightGaussians.mixture!
        var rng = RandomSource(seed: 1)
        let data = mixture.sample(count: 5000, rng: &rng)
        let t = trainer(seed: 2, data: data)
        let levels: [Float] = [0.3, 1, 3]
        func error() -> Double {
            var evalRng = RandomSource(seed: 77)
            let e = ScoreError.relative(of: NetworkScore(model: t.model), mixture: mixture, sigmas: levels, samples: 2000, rng: &evalRng)
            return e.reduce(0, +) / Double(e.count)
        }
        let before = error()
        for _ in 0..<800 { try t.trainStep() }
        let after = error()
        // An untrained network is about as good as the zero score (relative error ~1); the trained
        // one must be far better at every level.
        #expect(before > 0.8, "untrained error \(before)")
        #expect(after < 0.25 * before, "relative score error \(before) -> \(after)")
    }

    @Test func sameSeedGivesTheSameRunBitForBit() throws {
        var rng = RandomSource(seed: 5)
        let data = ToyDataset.twoMoons.sample(count: 1000, rng: &rng)
        let a = trainer(seed: 9, data: data), b = trainer(seed: 9, data: data), c = trainer(seed: 10, data: data)
        var lossesA: [Double] = [], lossesB: [Double] = []
        for _ in 0..<20 {
            lossesA.append(try a.trainStep())
            lossesB.append(try b.trainStep())
            try c.trainStep()
        }
        #expect(lossesA == lossesB)
        #expect(a.model.parameters.array == b.model.parameters.array)
        #expect(a.model.parameters.array != c.model.parameters.array)
    }

    @Test func divergenceStopsWithoutTouchingTheParameters() throws {
        var data = Matrix(rows: 4, columns: 2, repeating: 1)
        let t = trainer(seed: 3, data: data)
        try t.trainStep()
        let good = t.model.parameters.array
        data.elements[0] = 3e38
        let blown = DSMTrainer(model: t.model, data: Matrix(rows: 1, columns: 2, elements: [3e38, 3e38]),
                               sigmas: .logUniform(min: 0.1, max: 5), batchSize: 4, rng: RandomSource(seed: 1))
        #expect(throws: TrainingDiverged.self) { try blown.trainStep() }
        #expect(t.model.parameters.array == good, "a diverged step must leave the last good parameters")
        #expect(blown.step == 0)
    }
}
