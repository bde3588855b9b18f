import Testing
import ScoreKit

/// Backpropagation against central finite differences. The network is Float32, so the step
/// h = 1e-3 balances truncation (O(h^2)) against rounding (~1e-7 / h of the loss); gradients
/// are compared with 2% relative plus 2e-3 absolute tolerance. A dropped SiLU' factor, a
/// transposed product or a missing 1/sigma changes them by far more.
@Suite struct ScoreMLPGradientTests {
    let config = MLPConfiguration(dimension: 3, hiddenWidth: 8, hiddenLayers: 2)
    let batch = 5
    let sigmas: [Float] = [0.05, 0.3, 1, 3, 9]

    /// L = sum_ij c_ij s_ij, so dL/ds = c.
    func linearLoss(_ model: ScoreMLP, x: [Float], c: [Float]) -> Double {
        let ws = MLPWorkspace(configuration: config, capacity: batch)
        model.forward(x: x, sigma: sigmas, batch: batch, workspace: ws)
        var total = 0.0
        for i in 0..<(batch * config.dimension) { total += Double(c[i]) * Double(ws.score[i]) }
        return total
    }

    @Test func parameterAndInputGradientsMatchFiniteDifferences() {
        var rng = RandomSource(seed: 1)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let x = rng.normals(count: batch * config.dimension)
        // Weight c by sigma so every row's contribution to L has a similar size.
        let c = rng.normals(count: batch * config.dimension).enumerated().map { $1 * sigmas[$0 / config.dimension] }
        let ws = MLPWorkspace(configuration: config, capacity: batch)
        model.forward(x: x, sigma: sigmas, batch: batch, workspace: ws)
        model.backward(scoreGradient: c, workspace: ws, inputGradient: true)
        let analytic = ws.gradients.array

        let checked = expectParameterGradientsMatchFiniteDifferences(of: model.parameters, analytic: analytic, rel: 2e-2, abs: 2e-3) {
            linearLoss(model, x: x, c: c)
        }
        #expect(checked > config.parameterCount / 2, "too few non-trivial gradients to be a real check")

        let h: Float = 1e-3
        let d = config.dimension
        for row in 0..<batch {
            for j in 0..<d {
                var xp = x, xm = x
                xp[row * d + j] += h
                xm[row * d + j] -= h
                let numeric = (linearLoss(model, x: xp, c: c) - linearLoss(model, x: xm, c: c)) / (2 * Double(h))
                let got = Double(ws.inputGradient[row * (d + 1) + j])
                // Small sigma rows have large input gradients (s ~ f / sigma): relative tolerance.
                #expect(isClose(got, numeric, rel: 2e-2, abs: 5e-3), "dL/dx[\(row), \(j)]: \(got) vs \(numeric)")
            }
        }
    }

    @Test func accumulateAddsToExistingGradients() {
        var rng = RandomSource(seed: 2)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let x = rng.normals(count: batch * config.dimension)
        let c = rng.normals(count: batch * config.dimension)
        let ws = MLPWorkspace(configuration: config, capacity: batch)
        model.forward(x: x, sigma: sigmas, batch: batch, workspace: ws)
        model.backward(scoreGradient: c, workspace: ws)
        let once = ws.gradients.array
        model.backward(scoreGradient: c, workspace: ws, accumulate: true)
        for (twice, single) in zip(ws.gradients.array, once) {
            #expect(isClose(Double(twice), 2 * Double(single), rel: 1e-6, abs: 1e-7))
        }
    }

    @Test(arguments: [Conditioning.logSigma, .time(width: 8)], [3, 10])
    func sharedConditioningMatchesThePerRowPath(conditioning: Conditioning, dimension: Int) {
        // Inference with every row at one level folds the conditioning features into the first
        // layer's bias; it must give the per-row path's scores to Float rounding. Rejected: the
        // features' weights skipped or taken from the wrong columns (a leading-dimension slip).
        // d = 3 takes the fused narrow layer (Kernels.narrowLinearSiLU), d = 10 the product.
        let config = MLPConfiguration(dimension: dimension, hiddenWidth: 8, hiddenLayers: 2, conditioning: conditioning)
        var rng = RandomSource(seed: 4)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let x = rng.normals(count: batch * dimension)
        let sigma = [Float](repeating: 0.7, count: batch), time = [Float](repeating: 0.37, count: batch)
        let perRow = MLPWorkspace(configuration: config, capacity: batch), shared = MLPWorkspace(configuration: config, capacity: batch)
        model.forward(x: x, sigma: sigma, time: time, batch: batch, workspace: perRow, keepForBackward: false)
        model.forward(x: x, sigma: sigma, time: time, batch: batch, workspace: shared, keepForBackward: false, sharedConditioning: true)
        for i in 0..<(batch * dimension) {
            #expect(isClose(Double(shared.score[i]), Double(perRow.score[i]), rel: 1e-5, abs: 1e-6), "element \(i)")
        }
    }

    @Test func outputIsDividedBySigma() {
        // With the output scale tau set to 1 the network returns f([x, log sigma]) itself; with
        // the default tau = sigma it must return exactly f / sigma. Rejected: s = f (no division),
        // s = f * sigma, s = f / sigma^2, or dividing by another row's sigma.
        var rng = RandomSource(seed: 3)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let x = randomMatrix(batch, config.dimension, rng: &rng)
        let ws = MLPWorkspace(configuration: config, capacity: batch)
        let ones = [Float](repeating: 1, count: batch)
        model.forward(x: x.elements, sigma: sigmas, outputScale: ones, batch: batch, workspace: ws)
        let f = ws.score.array
        model.forward(x: x.elements, sigma: sigmas, batch: batch, workspace: ws)
        for i in 0..<(batch * config.dimension) {
            let sigma = sigmas[i / config.dimension]
            #expect(isClose(Double(ws.score[i]), Double(f[i] / sigma), rel: 1e-6), "row \(i / config.dimension): \(ws.score[i]) vs f / \(sigma)")
        }
        // log sigma is an input, so f itself changes with sigma.
        let ws1 = MLPWorkspace(configuration: config, capacity: 1)
        model.forward(x: x.row(0), sigma: [2], outputScale: [1], batch: 1, workspace: ws1)
        let f2 = ws1.score.array
        model.forward(x: x.row(0), sigma: [4], outputScale: [1], batch: 1, workspace: ws1)
        #expect(f2 != ws1.score.array)
    }
}
