import Foundation
import Testing
import ScoreKit

@Suite struct DenoisingScoreMatchingTests {
    let config = MLPConfiguration(dimension: 2, hiddenWidth: 16, hiddenLayers: 2)
    let batch = 8

    func loss(_ model: ScoreMLP, _ objective: DenoisingScoreMatching, x: [Float], seed: UInt64) -> Double {
        var rng = RandomSource(seed: seed)
        return ObjectiveEvaluator(network: model, objective: objective, rows: batch).lossAndGradients(rows(x, batch), rng: &rng)
    }

    @Test func lossGradientMatchesFiniteDifferences() {
        var rng = RandomSource(seed: 11)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let objective = DenoisingScoreMatching(sigmas: .logUniform(min: 0.01, max: 10), dimension: 2)
        let x = rng.normals(count: batch * 2)
        let ws = ObjectiveEvaluator(network: model, objective: objective, rows: batch)
        var noiseRng = RandomSource(seed: 99)
        _ = ws.lossAndGradients(rows(x, batch), rng: &noiseRng)
        let analytic = ws.gradients.array
        let nonTrivial = expectParameterGradientsMatchFiniteDifferences(of: model.parameters, analytic: analytic, rel: 2e-2, abs: 2e-3) {
            loss(model, objective, x: x, seed: 99)
        }
        #expect(nonTrivial > config.parameterCount / 3)
    }

    @Test func lossEqualsTheDefinitionForFixedNoise() {
        // With a single-level ladder and the same seed, the loss is 0.5 mean ||sigma s(x + sigma z) + z||^2.
        var rng = RandomSource(seed: 5)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let sigma: Float = 0.7
        let objective = DenoisingScoreMatching(sigmas: .ladder([sigma]), dimension: 2)
        let x = rng.normals(count: batch * 2)
        let got = loss(model, objective, x: x, seed: 42)
        var replay = RandomSource(seed: 42)
        var unused = [Float](repeating: 0, count: batch)
        SigmaDistribution.ladder([sigma]).fill(&unused, count: batch, rng: &replay)
        let z = replay.normals(count: batch * 2)
        let xt = Matrix(rows: batch, columns: 2, elements: zip(x, z).map { $0 + sigma * $1 })
        let s = model.score(xt, sigma: sigma)
        var want = 0.0
        for i in 0..<(batch * 2) { let r = Double(sigma * s.elements[i] + z[i]); want += r * r }
        want = 0.5 * want / Double(batch)
        #expect(isClose(got, want, rel: 1e-6))
    }
}

/// DSM on the variance-preserving processes, with a time-conditioned, noise-predicting network.
@Suite struct DiffusionObjectiveTests {
    let config = MLPConfiguration(dimension: 2, hiddenWidth: 16, hiddenLayers: 2, conditioning: .time(width: 8), parameterisation: .noise)
    let batch = 8

    @Test func noisePredictionLossIsSigmaSquaredWeightedDSM() {
        // The tutorial's "these are equivalent in form", measured on one batch: with eps_hat = f and
        // s = -eps_hat / sigma_t, DDPM's 0.5 mean ||eps_hat - eps||^2 equals DSM's
        // 0.5 mean sigma_t^2 ||s + eps / sigma_t||^2, and both equal what the objective returns.
        // The noise is replayed: one uniform per row for the step, then the normals.
        // Rejected: x_t without alpha_t, the wrong sign of s for the noise parameterisation, a
        // network that ignores t (the level's time must reach it).
        let process = VariancePreserving(steps: 1000, schedule: .cosine)
        var rng = RandomSource(seed: 12)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let x = rng.normals(count: batch * 2)
        let objective = DenoisingScoreMatching(process: process, dimension: 2)
        var noise = RandomSource(seed: 13)
        let got = ObjectiveEvaluator(network: model, objective: objective, rows: batch).lossAndGradients(rows(x, batch), rng: &noise)
        var replay = RandomSource(seed: 13)
        let levels = (0..<batch).map { _ in process.trainingLevel(uniform: replay.uniform()) }
        let z = replay.normals(count: batch * 2)
        var epsLoss = 0.0, dsmLoss = 0.0
        for i in 0..<batch {
            let level = levels[i]
            let xt = Matrix(rows: 1, columns: 2, elements: (0..<2).map { Float(level.alpha) * x[2 * i + $0] + Float(level.sigma) * z[2 * i + $0] })
            let s = model.score(xt, at: level)
            for j in 0..<2 {
                let epsHat = -level.sigma * Double(s.elements[j]), eps = Double(z[2 * i + j])
                epsLoss += 0.5 * (epsHat - eps) * (epsHat - eps) / Double(batch)
                dsmLoss += 0.5 * level.sigma * level.sigma * pow(Double(s.elements[j]) + eps / level.sigma, 2) / Double(batch)
            }
        }
        #expect(isClose(epsLoss, dsmLoss, rel: 1e-6), "eps loss \(epsLoss) vs weighted DSM \(dsmLoss)")
        #expect(isClose(got, epsLoss, rel: 1e-5), "objective \(got) vs eps loss \(epsLoss)")
        #expect(Set(levels.map(\.time)).count == batch, "every row at its own step")
    }

    @Test func minSNRScalesEachRowsNoiseLossByItsLevel() {
        // Min-SNR: row i's noise-prediction loss times min(1, gamma sigma_i^2 / alpha_i^2), with the
        // levels and noise replayed. gamma = 0.5 on the linear schedule leaves some rows whole and
        // scales others. Rejected: the factor from another row's level, SNR inverted, the factor
        // left out of the gradient (the finite-difference test below), or applied twice.
        let process = VariancePreserving(steps: 1000)
        var rng = RandomSource(seed: 21)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let x = rng.normals(count: batch * 2), gamma = 0.5
        let objective = DenoisingScoreMatching(process: process, dimension: 2, weighting: .minSNR(gamma: gamma))
        var noise = RandomSource(seed: 22)
        let got = ObjectiveEvaluator(network: model, objective: objective, rows: batch).lossAndGradients(rows(x, batch), rng: &noise)
        var replay = RandomSource(seed: 22)
        let levels = (0..<batch).map { _ in process.trainingLevel(uniform: replay.uniform()) }
        let z = replay.normals(count: batch * 2)
        var want = 0.0
        var factors: [Double] = []
        for (i, level) in levels.enumerated() {
            let xt = Matrix(rows: 1, columns: 2, elements: (0..<2).map { Float(level.alpha) * x[2 * i + $0] + Float(level.sigma) * z[2 * i + $0] })
            let s = model.score(xt, at: level)
            let snr = Double(Float(level.alpha)) * Double(Float(level.alpha)) / (Double(Float(level.sigma)) * Double(Float(level.sigma)))
            let factor = min(snr, gamma) / snr
            factors.append(factor)
            for j in 0..<2 {
                let epsHat = -level.sigma * Double(s.elements[j]), eps = Double(z[2 * i + j])
                want += factor * 0.5 * (epsHat - eps) * (epsHat - eps) / Double(batch)
            }
        }
        #expect(isClose(got, want, rel: 1e-5), "objective \(got) vs weighted eps loss \(want)")
        #expect(factors.contains(1) && factors.contains { $0 < 0.5 }, "rows both whole and scaled: \(factors)")
        #expect(objective.name == "dsm weighted min-SNR(0.5)")
        #expect(DenoisingScoreMatching(process: process, dimension: 2).name == "dsm")
    }

    @Test func minSNRGradientMatchesFiniteDifferences() {
        var rng = RandomSource(seed: 23)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let objective = DenoisingScoreMatching(process: VariancePreserving(steps: 100), dimension: 2, weighting: .minSNR(gamma: 0.5))
        let nonTrivial = expectObjectiveGradientsMatchFiniteDifferences(objective, model: model, x: rng.normals(count: batch * 2), batch: batch,
                                                                        seed: 24, rel: 2e-2, abs: 2e-3, label: "min-snr")
        #expect(nonTrivial > config.parameterCount / 5)
    }

    @Test func noiseParameterisationNegatesTheOutput() {
        // The same weights read as a score network and as a noise predictor: f is the score times
        // sigma in one and the noise eps-hat in the other, so s_noise = -f / sigma = -s_score.
        // Rejected: a noise predictor whose score keeps f's sign (its samples would run away from
        // the data, and the eps of a saved network would mean -eps to every other tool).
        var rng = RandomSource(seed: 16)
        let noise = ScoreMLP(configuration: config, rng: &rng)
        let score = ScoreMLP(configuration: MLPConfiguration(dimension: 2, hiddenWidth: 16, hiddenLayers: 2, conditioning: .time(width: 8)),
                             parameters: noise.parameters.array)
        let x = randomMatrix(5, 2, rng: &rng), level = VariancePreservingSDE().level(at: 0.4)
        #expect(noise.score(x, at: level).elements == score.score(x, at: level).elements.map { -$0 })
    }

    @Test(arguments: ["vp", "subvp-sde"])
    func lossGradientMatchesFiniteDifferences(processName: String) {
        let process: any ForwardProcess = processName == "vp" ? VariancePreserving(steps: 100) : SubVariancePreservingSDE()
        var rng = RandomSource(seed: 14)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let objective = DenoisingScoreMatching(process: process, dimension: 2)
        let nonTrivial = expectObjectiveGradientsMatchFiniteDifferences(objective, model: model, x: rng.normals(count: batch * 2), batch: batch,
                                                                        seed: 15, rel: 2e-2, abs: 2e-3, label: processName)
        #expect(nonTrivial > config.parameterCount / 4)
    }

    @Test func timeEmbeddingIsTheSinusoidOfItsFrequencies() {
        // Features [sin(w_k t), cos(w_k t)] with w_k = 1000 / 2^k. Rejected: a wrong frequency
        // ladder, sin and cos swapped, or a doubling recurrence that drifts (to 1e-6 at t = 0.7317).
        let width = 16, t = 0.7317
        let features = Conditioning.time(width: width).features(sigma: 1, time: Float(t))
        #expect(features.count == width)
        for k in 0..<(width / 2) {
            let w = 1000 / pow(2, Double(k))
            #expect(abs(Double(features[k]) - sin(w * Double(Float(t)))) < 1e-6, "sin feature \(k)")
            #expect(abs(Double(features[width / 2 + k]) - cos(w * Double(Float(t)))) < 1e-6, "cos feature \(k)")
        }
        #expect(Conditioning.logSigma.features(sigma: 0.5, time: 0) == [logf(0.5)])
    }
}

@Suite struct KernelDenoisingScoreMatchingTests {
    @Test(arguments: ["laplace", "uniform", "student-t3"])
    func lossGradientMatchesFiniteDifferences(kernelName: String) {
        let config = MLPConfiguration(dimension: 2, hiddenWidth: 16, hiddenLayers: 2)
        let kernel: any AdditiveNoise = [LaplaceNoise(sigma: 1), UniformNoise(sigma: 1), StudentTNoise(sigma: 1)]
            .first { $0.name == kernelName }!
        let objective = CorruptionDenoisingScoreMatching(corruption: kernel, sigmas: .logUniform(min: 0.05, max: 5), dimension: 2)
        var rng = RandomSource(seed: 70)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let nonTrivial = expectObjectiveGradientsMatchFiniteDifferences(objective, model: model, x: rng.normals(count: 16), batch: 8, seed: 71,
                                                                        rel: 2e-2, abs: 2e-3, label: kernelName)
        #expect(nonTrivial > config.parameterCount / 4)
    }

    @Test func uniformTargetTeachesTheZeroScore() {
        // Its conditional score is 0 inside the box: the loss is 0.5 sigma^2 ||s||^2, minimised by s = 0,
        // whatever the data. The noise study sees its score error pinned at exactly 1.
        let objective = CorruptionDenoisingScoreMatching(corruption: UniformNoise(sigma: 1), sigmas: .ladder([0.5]), dimension: 2)
        var rng = RandomSource(seed: 72)
        let model = ScoreMLP(configuration: .init(dimension: 2, hiddenWidth: 8, hiddenLayers: 1), rng: &rng)
        let x: [Float] = [1, 2, -1, 0.5, 3, -2, 0, 0]
        let ws = ObjectiveEvaluator(network: model, objective: objective, rows: 4)
        var r = RandomSource(seed: 1)
        let got = ws.lossAndGradients(rows(x, 4), rng: &r)
        let norm = (0..<8).reduce(0.0) { $0 + Double(ws.batch.score[$1]) * Double(ws.batch.score[$1]) }
        #expect(isClose(got, 0.5 * 0.25 * norm / 4, rel: 1e-5))
    }
}
