import Foundation
import ScoreKit
import ScoreKitStudies
import Testing

/// The forward processes against their published schedules and against each other: the SDE
/// coefficients must carry exactly the marginals that `level(at:)` states.
@Suite struct ForwardProcessTests {
    static let continuous: [any ContinuousProcess] = [VarianceExploding(sigmas: .logUniform(min: 0.01, max: 10)),
                                                   VariancePreservingSDE(), SubVariancePreservingSDE()]

    @Test func ddpmSchedulesMatchTheirPapers() {
        // Ho et al.: beta linear from 1e-4 to 0.02 over 1,000 steps gives abar_T = 4.0358e-5
        // (NumPy: prod(1 - linspace(1e-4, 0.02, 1000))). Nichol and Dhariwal: abar(t) = f(t) / f(0)
        // with f(t) = cos^2((t + 0.008) / 1.008 pi / 2), 0.49384 at t = 1/2.
        // Rejected: an off-by-one in the product (abar_k from beta_(k+1)), betas in reverse order,
        // a cosine without the offset s.
        let linear = VariancePreserving(steps: 1000, schedule: .linear)
        #expect(isClose(linear.alphaBars[1000], 4.035829765375676e-05, rel: 1e-9))
        #expect(isClose(linear.alphaBars[1], 1 - 1e-4, rel: 1e-12) && isClose(linear.betas[999], 0.02, rel: 1e-12))
        let cosine = VariancePreserving(steps: 1000, schedule: .cosine)
        #expect(isClose(pow(cosine.level(atStep: 500).alpha, 2), 0.49384359044063775, rel: 1e-9))
        for process in [linear, cosine] {
            // Each step's variance follows the chain x_k = sqrt(1 - beta_k) x_(k-1) + sqrt(beta_k) e from data of variance 2.
            var variance = 2.0
            for k in 1...1000 {
                variance = (1 - process.betas[k - 1]) * variance + process.betas[k - 1]
                let level = process.level(atStep: k)
                #expect(isClose(level.alpha * level.alpha * 2 + level.sigma * level.sigma, variance, rel: 1e-9), "\(process.schedule) step \(k)")
                if k % 250 != 0 { continue }
                #expect(level.time == Double(k) / 1000)
            }
        }
    }

    @Test func trainingLevelsCoverEveryStepOrTheWholeTimeRange() {
        // A chain trains on steps 1...T, each equally likely: u in [k/T, (k+1)/T) picks step k + 1.
        // Rejected: step 0 (sigma = 0, no noise to predict) or a step T never drawn. The continuous
        // processes map u to t = eps_t + (1 - eps_t) u, the VE process to sigma by its distribution.
        let chain = VariancePreserving(steps: 1000)
        #expect(chain.trainingLevel(uniform: 0).time == 0.001)
        #expect(chain.trainingLevel(uniform: 0.0009).time == 0.001 && chain.trainingLevel(uniform: 0.001).time == 0.002)
        #expect(chain.trainingLevel(uniform: Float(1).nextDown).time == 1)
        let sde = VariancePreservingSDE()
        #expect(sde.trainingLevel(uniform: 0).time == 1e-5 && isClose(sde.trainingLevel(uniform: 0.5).time, 0.500005, rel: 1e-7))
        let ve = VarianceExploding(sigmas: .logUniform(min: 0.01, max: 10))
        #expect(isClose(ve.trainingLevel(uniform: 0.5).sigma, 0.1.squareRoot(), rel: 1e-6) && ve.trainingLevel(uniform: 0.5).alpha == 1)
    }

    @Test(arguments: continuous.indices)
    func sdeCoefficientsCarryTheMarginals(index: Int) {
        // For dx = f x dt + g dW, the mean scale obeys alpha' = f alpha and the variance of x_t from
        // data of variance v obeys V' = 2 f V + g^2 with V = alpha^2 v + sigma^2. Checked by central
        // differences (h = 1e-6, relative 1e-6) at three times and two data variances. Rejected: a
        // drift without the 1/2, g^2 in place of g, sub-VP's diffusion without (1 - abar^2).
        let process = Self.continuous[index]
        for t in [0.1, 0.4, 0.8] {
            let (f, g) = process.sde(at: t)
            let h = 1e-6, up = process.level(at: t + h), down = process.level(at: t - h), here = process.level(at: t)
            let alphaSlope = (up.alpha - down.alpha) / (2 * h)
            #expect(isClose(alphaSlope, f * here.alpha, rel: 1e-6, abs: 1e-9), "\(process.name) alpha' at \(t)")
            for v in [0.0, 2.5] {
                func variance(_ l: NoiseLevel) -> Double { l.alpha * l.alpha * v + l.sigma * l.sigma }
                let slope = (variance(up) - variance(down)) / (2 * h)
                #expect(isClose(slope, 2 * f * variance(here) + g * g, rel: 1e-6), "\(process.name) variance' at \(t), v = \(v)")
            }
        }
        // Variance preserving: data of variance 1 keep variance 1.
        if process is VariancePreservingSDE {
            let level = process.level(at: 0.37)
            #expect(isClose(level.alpha * level.alpha + level.sigma * level.sigma, 1, rel: 1e-12))
        }
    }

    @Test func timeGridsAndLevelsBySigma() {
        let chain = VariancePreserving(steps: 1000)
        let grid = chain.timeGrid(count: 10)
        #expect(grid.first == 1 && grid.last == 0.001 && Set(grid).count == 10 && grid == grid.sorted(by: >))
        #expect(chain.timeGrid(count: 1000) == (1...1000).reversed().map { Double($0) / 1000 })
        let sde = VariancePreservingSDE()
        for (got, want) in zip(sde.timeGrid(count: 5), [1, 0.7500025, 0.500005, 0.2500075, 1e-5]) { #expect(isClose(got, want, rel: 1e-12)) }
        #expect(sde.timeGrid(count: 5).last == 1e-5)
        for process in [sde as any ForwardProcess, VarianceExploding(sigmas: .logUniform(min: 0.01, max: 10)), SubVariancePreservingSDE()] {
            #expect(isClose(process.level(ofSigma: 0.3).sigma, 0.3, rel: 1e-9), "\(process.name)")
        }
        #expect(isClose(VarianceExploding(sigmas: .logUniform(min: 0.01, max: 10)).level(at: 0.5).sigma, 0.1.squareRoot(), rel: 1e-7))
    }

    @Test func mixtureMarginalsUnderEveryProcessMatchSimulation() {
        // x_t = alpha x_0 + sigma z for draws of a 2-component mixture: mean and second moment of
        // each coordinate against the exact marginal's (40,000 draws: standard errors below 0.012).
        let m = GaussianMixture(weights: [0.3, 0.7], means: [[2, -1], [-1, 1]], variances: [[0.5, 1], [1, 0.2]])
        for level in [NoiseLevel(sigma: 1.5), VariancePreservingSDE().level(at: 0.3), SubVariancePreservingSDE().level(at: 0.3)] {
            var rng = RandomSource(seed: 57)
            let points = m.samplePerturbed(count: 40_000, at: level, rng: &rng)
            let q = m.marginal(at: level)
            for j in 0..<2 {
                var mean = MonteCarloMean(), square = MonteCarloMean()
                for i in 0..<points.rows { mean.add(Double(points[i, j])); square.add(Double(points[i, j] * points[i, j])) }
                let wantMean = zip(q.weights, q.means).reduce(0.0) { $0 + $1.0 * $1.1[j] }
                let wantSquare = (0..<2).reduce(0.0) { $0 + q.weights[$1] * (q.variances[$1][j] + q.means[$1][j] * q.means[$1][j]) }
                #expect(abs(mean.mean - wantMean) < 4.5 * mean.standardError && abs(square.mean - wantSquare) < 4.5 * square.standardError,
                        "level \(level), coordinate \(j)")
            }
            // The batch score equals the per-point one.
            let s = m.scores(points.gatherRows([0, 1, 2]), at: level)
            for i in 0..<3 {
                let want = q.score(points.row(i).map(Double.init))
                for j in 0..<2 { #expect(isClose(Double(s[i, j]), want[j], rel: 1e-6, abs: 1e-7)) }
            }
        }
    }
}
