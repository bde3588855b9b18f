import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitStudies
import Testing

/// log p through the probability-flow ODE against densities known in closed form.
@Suite struct LikelihoodTests {
    @Test func gaussianDataGiveTheirExactLogDensity() throws {
        // Data N(mu, diag(v)) with its exact score under the VP SDE: the marginal at eps_t is the
        // Gaussian N(alpha mu, alpha^2 v + sigma^2), and the ODE must return its log-density to 1e-3
        // nats with the exact trace (solver tolerances 1e-7) once the prior N(0, I) is replaced by
        // the true marginal at t = 1 at each path's end. As reported, with N(0, I), it may differ
        // by the prior's mismatch, about alpha(1) |mu| |x(1)| with alpha(1) = 0.0066: below 0.05
        // here. Rejected: the trace's sign or its 1/2, the prior's normalisation, the d f term.
        let data = GaussianMixture(weights: [1], means: [[1, -0.5]], variances: [[0.5, 2]])
        let process = VariancePreservingSDE()
        var rng = RandomSource(seed: 90)
        let points = data.sample(count: 20, rng: &rng)
        let likelihood = try ProbabilityFlowLikelihood(process: process, relativeTolerance: 1e-7, absoluteTolerance: 1e-7)
        let run = likelihood.logDensities(of: points, score: data, rng: &rng)
        let exact = data.marginal(at: process.level(at: process.earliestTime)), top = data.marginal(at: process.level(at: 1))
        for i in 0..<points.rows {
            let want = exact.logDensity(points.row(i).map(Double.init))
            let withTruePrior = top.logDensity(run.latents.row(i).map(Double.init)) + run.divergenceIntegrals[i]
            #expect(abs(withTruePrior - want) < 1e-3, "point \(i): \(withTruePrior) vs \(want)")
            #expect(abs(run.logDensities[i] - want) < 0.05, "point \(i) with the N(0, I) prior: \(run.logDensities[i]) vs \(want)")
        }
        #expect(run.evaluations > 6)
        #expect(isClose(run.bitsPerDimension, run.meanNegativeLogLikelihood / (2 * log(2)), rel: 1e-12))
    }

    @Test func hutchinsonIsUnbiased() throws {
        // One Rademacher probe per point: each estimate is the exact log-density plus zero-mean
        // noise. The mean difference over 400 points must lie within 3 of its standard errors
        // (false failure 0.3%), and the noise must be real (a probe that reads the trace exactly
        // would be a bug in the probe, not a gift).
        let data = GaussianMixture(weights: [0.5, 0.5], means: [[1, 1], [-1, -1]], variances: [[0.3, 1], [1, 0.3]])
        let process = VariancePreservingSDE()
        var rng = RandomSource(seed: 91)
        let points = data.sample(count: 400, rng: &rng)
        let exact = try ProbabilityFlowLikelihood(process: process, divergence: .exact).logDensities(of: points, score: data, rng: &rng)
        let hutchinson = try ProbabilityFlowLikelihood(process: process, divergence: .hutchinson(.rademacher)).logDensities(of: points, score: data, rng: &rng)
        var difference = MonteCarloMean()
        for (a, b) in zip(hutchinson.logDensities, exact.logDensities) { difference.add(a - b) }
        #expect(abs(difference.mean) < 3 * difference.standardError, "mean difference \(difference.mean) ± \(difference.standardError)")
        #expect(difference.standardError > 1e-4)
    }

    @Test(arguments: ["vp-sde", "subvp-sde", "ve"])
    func mixtureLogDensityThroughEveryProcess(processName: String) throws {
        // The eight Gaussians with their exact marginal scores: the ODE's log p_eps, with the true
        // marginal at t = 1 as the prior at each path's end, against the exact mixture at eps_t.
        // Tolerance 0.01 nats for a solver at tolerances 1e-6: the paths run through eight modes
        // of variance 0.125 (about 1e-4 is the solver's share where the field is smooth).
        let data = ToyDataset.eightGaussians.mixture!
        let process: any ContinuousProcess = switch processName {
        case "vp-sde": VariancePreservingSDE()
        case "subvp-sde": SubVariancePreservingSDE()
        default: VarianceExploding(sigmas: .logUniform(min: 0.01, max: 10))
        }
        var rng = RandomSource(seed: 92)
        let points = data.sample(count: 30, rng: &rng)
        let run = try ProbabilityFlowLikelihood(process: process, relativeTolerance: 1e-6, absoluteTolerance: 1e-6)
            .logDensities(of: points, score: data, rng: &rng)
        let exact = data.marginal(at: process.level(at: process.earliestTime)), top = data.marginal(at: process.level(at: 1))
        for i in 0..<points.rows {
            let want = exact.logDensity(points.row(i).map(Double.init))
            let got = top.logDensity(run.latents.row(i).map(Double.init)) + run.divergenceIntegrals[i]
            #expect(abs(got - want) < 0.01, "\(processName) point \(i): \(got) vs \(want)")
        }
    }

    /// A time-conditioned MLP read in chunks of 3, 7 points, two directions per point (in two
    /// blocks of 7 rows), and the VP SDE's level at t = 0.3.
    func timeConditionedQuery(dimension d: Int, seed: UInt64) -> (NetworkScore, Matrix, Matrix, NoiseLevel) {
        let config = MLPConfiguration(dimension: d, hiddenWidth: 16, hiddenLayers: 2, conditioning: .time(width: 8), parameterisation: .noise)
        var rng = RandomSource(seed: seed)
        let score = NetworkScore(model: ScoreMLP(configuration: config, rng: &rng), chunk: 3)
        let x = randomMatrix(7, d, rng: &rng), directions = randomMatrix(14, d, rng: &rng)
        return (score, x, directions, VariancePreservingSDE().level(at: 0.3))
    }

    @Test func networkJacobianProductsMatchFiniteDifferences() {
        // NetworkScore's forward-mode products, chunked (chunk 3 over 7 rows) and with a time-
        // conditioned network, against central differences of its scores.
        let (score, x, v, level) = timeConditionedQuery(dimension: 2, seed: 93)
        var s = Matrix(rows: 7, columns: 2), products = Matrix(rows: 14, columns: 2)
        score.jacobianProducts(x, at: level, directions: v, scores: &s, products: &products)
        // The plain query folds the shared time features into the first layer's bias: equal to rounding.
        for (a, b) in zip(s.elements, score.scores(x, at: level).elements) { #expect(isClose(Double(a), Double(b), rel: 1e-5, abs: 1e-6)) }
        let h: Float = 1e-2
        for block in 0..<2 {
            var up = x, down = x
            for i in 0..<7 { for j in 0..<2 { up[i, j] += h * v[block * 7 + i, j]; down[i, j] -= h * v[block * 7 + i, j] } }
            let su = score.scores(up, at: level), sd = score.scores(down, at: level)
            for i in 0..<7 { for j in 0..<2 {
                let numeric = Double(su[i, j] - sd[i, j]) / Double(2 * h)
                #expect(isClose(Double(products[block * 7 + i, j]), numeric, rel: 2e-2, abs: 2e-2), "block \(block) row \(i)")
            } }
        }
    }

    @Test func reverseModeGivesTheTransposedProducts() {
        // For directions v and w: (v^T J) w = v^T (J w), reverse mode's products against forward
        // mode's, chunked (chunk 3 over 7 rows). An MLP's J is not symmetric, so reverse mode
        // returning J v instead of v^T J fails the cross terms; the traces agree either way.
        let (score, x, directions, level) = timeConditionedQuery(dimension: 3, seed: 94)
        var s = Matrix(rows: 7, columns: 3), reverseScores = s
        var forward = Matrix(rows: 14, columns: 3), reverse = forward
        score.jacobianProducts(x, at: level, directions: directions, scores: &s, products: &forward)
        score.vectorJacobianProducts(x, at: level, directions: directions, scores: &reverseScores, products: &reverse)
        for (a, b) in zip(s.elements, reverseScores.elements) { #expect(isClose(Double(a), Double(b), rel: 1e-5, abs: 1e-6)) }
        func dot(_ a: Matrix, _ i: Int, _ b: Matrix, _ j: Int) -> Double { (0..<3).reduce(0) { $0 + Double(a[i, $1]) * Double(b[j, $1]) } }
        var asymmetry = 0.0
        for i in 0..<7 {
            let (v, w) = (i, 7 + i)
            #expect(isClose(dot(reverse, v, directions, w), dot(directions, v, forward, w), rel: 1e-4, abs: 1e-5), "row \(i): (v^T J) w")
            #expect(isClose(dot(reverse, w, directions, v), dot(directions, w, forward, v), rel: 1e-4, abs: 1e-5), "row \(i): (w^T J) v")
            asymmetry = max(asymmetry, abs(dot(forward, v, directions, w) - dot(forward, w, directions, v)))
        }
        #expect(asymmetry > 1e-3, "the test needs a Jacobian that is not symmetric")
        var traces = [Double](repeating: 0, count: 7)
        score.jacobianTraces(x, at: level, directions: directions, scores: &s, products: &forward, traces: &traces)
        for i in 0..<7 {
            #expect(isClose(traces[i], dot(reverse, i, directions, i) + dot(reverse, 7 + i, directions, 7 + i), rel: 1e-4, abs: 1e-5))
        }
    }

    @Test func discreteChainsAndBadTolerancesAreRefused() {
        // A chain has no SDE: the likelihood cannot even be built for it.
        #expect(VariancePreserving(steps: 100).continuous == nil)
        #expect(throws: SamplerError.self) { try continuous(VariancePreserving(steps: 100), for: "the likelihood") }
        #expect(throws: SamplerError.self) { try ProbabilityFlowLikelihood(process: VariancePreservingSDE(), relativeTolerance: -1) }
    }
}
