import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitStudies
import Testing

/// Every sampler driven by the exact marginal score of a Gaussian mixture under its process must
/// reproduce the mixture: what is left is the sampler's own error, which these bound.
@Suite struct SamplerTests {
    static let eight = ToyDataset.eightGaussians.mixture!
    static let pair = ToyDataset.ncsnPair.mixture!
    static let vp = VariancePreserving(steps: 1000), vpSDE = VariancePreservingSDE(), subVP = SubVariancePreservingSDE()
    static let ve = VarianceExploding(sigmas: .logUniform(min: 0.01, max: 10))

    /// The samplers under test, by name: 100 levels (or the solver's own count) on the process each suits.
    static func sampler(_ name: String) throws -> any ScoreSampler {
        switch name {
        case "annealed-langevin": return AnnealedLangevin(sigmaMax: 10, sigmaMin: 0.01, levels: 10, stepsPerLevel: 30, epsilon: 1e-4, denoise: true)
        case "ddpm": return try DiffusionSampler(process: vp, rule: .ancestral(largeVariance: true), steps: 100)
        case "ddpm-small": return try DiffusionSampler(process: vp, rule: .ancestral(largeVariance: false), steps: 100)
        case "ddim": return try DiffusionSampler(process: vp, rule: .ddim(eta: 0), steps: 50)
        case "ddim-eta-1": return try DiffusionSampler(process: vpSDE, rule: .ddim(eta: 1), steps: 100)
        case "ddim-ve": return try DiffusionSampler(process: ve, rule: .ddim(eta: 0), steps: 100)
        case "reverse-sde": return try ReverseSDE(process: vpSDE, steps: 200)
        case "reverse-sde-subvp": return try ReverseSDE(process: subVP, steps: 200)
        case "pc": return try PredictorCorrector(process: vpSDE, steps: 100)
        case "pc-ve": return try PredictorCorrector(process: ve, steps: 100)
        // Schedules and pairs other than the defaults: the sampler is the same code on any of them.
        case "ddim-karras": return try DiffusionSampler(process: vpSDE, rule: .ddim(eta: 0), schedule: .karras(vpSDE, count: 40))
        case "reverse-sde-geometric": return try ReverseSDE(process: ve, schedule: .geometric(ve, count: 300))
        case "pc-ddim-karras": return try PredictorCorrector(process: vpSDE, schedule: .karras(vpSDE, count: 100), predictor: DiffusionStep.ddim(eta: 0),
                                                             corrector: LangevinCorrector())
        case "pc-euler-maruyama-ve": return try PredictorCorrector(process: ve, schedule: .geometric(ve, count: 100), predictor: EulerMaruyamaStep(process: ve),
                                                                   corrector: LangevinCorrector(snr: 0.1, steps: 2))
        case "ode-heun": return try ProbabilityFlowODE(process: vpSDE, solver: .heun(steps: 50))
        case "ode-rk45": return try ProbabilityFlowODE(process: subVP, solver: .rk45(relativeTolerance: 1e-4, absoluteTolerance: 1e-4))
        default: preconditionFailure("no sampler \(name)")
        }
    }

    static let names = ["annealed-langevin", "ddpm", "ddpm-small", "ddim", "ddim-eta-1", "ddim-ve", "reverse-sde", "reverse-sde-subvp",
                        "pc", "pc-ve", "ode-heun", "ode-rk45", "ddim-karras", "reverse-sde-geometric", "pc-ddim-karras", "pc-euler-maruyama-ve"]

    /// Sliced W2 of 4,000 fresh points against a 20,000-point reference, averaged over three draws:
    /// the value a perfect sampler's 4,000 samples have. (Two 4,000-point samples of the eight
    /// Gaussians differ by 0.04 to 0.12 in SW2 from mode-weight noise alone; a large reference
    /// halves that spread.)
    static let reference: (data: Matrix, freshSW: Double) = {
        var rng = RandomSource(seed: 77)
        let data = eight.sample(count: 20_000, rng: &rng)
        let fresh = (0..<3).map { _ in SlicedWasserstein.distance(eight.sample(count: 4000, rng: &rng), data, rng: &rng) }
        return (data, fresh.reduce(0, +) / 3)
    }()

    @Test(arguments: names)
    func exactScoreReproducesEightGaussians(name: String) throws {
        // 4,000 samples. Mode weights: fresh data of this size have a total variation of about
        // 0.017 (binomial: 8 modes of 1/8), so 0.03 leaves the sampler less than 0.015. Sliced W2
        // within twice the fresh-data value: a sampler whose modes are 30% too wide or narrow, or
        // off centre by 0.1, fails it.
        let sampler = try Self.sampler(name)
        var rng = RandomSource(seed: 70)
        let run = sampler.sample(count: 4000, score: Self.eight, rng: &rng, progress: nil)
        let weights = ModeWeights(of: run.samples, mixture: Self.eight)
        let sw = SlicedWasserstein.distance(run.samples, Self.reference.data, rng: &rng)
        #expect(weights.totalVariation < 0.03, "\(name): mode weights off by \(weights.totalVariation) in total variation")
        #expect(sw < 2 * Self.reference.freshSW, "\(name): sliced W2 \(sw) against \(Self.reference.freshSW) for fresh data")
        #expect(run.evaluations > 0 && run.samples.isFinite)
    }

    @Test(arguments: ["annealed-langevin", "ddpm", "ddim", "pc", "ode-heun"])
    func exactScoreRecoversThePairsWeights(name: String) throws {
        // 0.8 N((5, 5), I) + 0.2 N((-5, -5), I): the (5, 5) mode must hold 0.8 +- 0.03 (3,000 samples:
        // binomial standard error 0.0073, so 4 of them). The annealed sampler uses Song and Ermon's
        // toy schedule (sigma 20 to 1), whose last level keeps the weight (see AnnealedLangevinTests).
        let sampler = name == "annealed-langevin"
            ? AnnealedLangevin(sigmaMax: 20, sigmaMin: 1, levels: 10, stepsPerLevel: 100, epsilon: 0.1)
            : try Self.sampler(name)
        var rng = RandomSource(seed: 71)
        let run = sampler.sample(count: 3000, score: Self.pair, rng: &rng, progress: nil)
        let weights = ModeWeights(of: run.samples, mixture: Self.pair)
        #expect(abs(weights.fractions[0] - 0.8) <= 0.03, "\(name): fraction in the (5, 5) mode \(weights.fractions[0])")
    }

    @Test func plainLangevinKeepsTheWeightsOfItsStart() throws {
        // The same pair from U([-8, 8]^2) with the exact score at sigma = 0.01, 1,000 steps of
        // 0.01: the score between the modes carries no information about their weights, so each
        // chain falls into the mode on its side of the diagonal and the (5, 5) mode ends with about
        // half the samples, not 0.8 (Song and Ermon 2019, figure 3). Required: at least 0.2 off.
        let sampler = try LangevinDynamics(level: NoiseLevel(sigma: 0.01), steps: 1000, stepSize: 0.01, start: -8...8)
        var rng = RandomSource(seed: 72)
        let run = sampler.sample(count: 3000, score: Self.pair, rng: &rng, progress: nil)
        let weights = ModeWeights(of: run.samples, mixture: Self.pair)
        #expect(abs(weights.fractions[0] - 0.8) > 0.2, "plain Langevin recovered the weight: \(weights.fractions[0])")
        #expect(abs(weights.fractions[0] - 0.5) < 0.05, "plain Langevin should keep the start's half: \(weights.fractions[0])")
    }

    @Test func plainLangevinHasItsStationaryVariance() throws {
        // x <- x + (eps / 2) s + sqrt(eps) z on N(0, I) with its exact score -x converges to the
        // variance eps / (1 - (1 - eps / 2)^2) = 1.0256 at eps = 0.1 (300 steps from U([-8, 8]^2):
        // converged to 1e-6). 8,000 values: standard error 0.016; tolerance 0.05. Rejected: the
        // full-step drift x + eps s (variance 0.526).
        let sampler = try LangevinDynamics(level: NoiseLevel(sigma: 0.01), steps: 300, stepSize: 0.1, start: -8...8)
        let g = GaussianMixture(weights: [1], means: [[0, 0]], variances: [[1 - 1e-4, 1 - 1e-4]])
        var rng = RandomSource(seed: 79)
        let x = sampler.sample(count: 4000, score: g, rng: &rng, progress: nil).samples
        let variance = x.elements.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.elements.count)
        let want = 0.1 / (1 - pow(1 - 0.05, 2))
        #expect(abs(variance - want) < 0.05, "variance \(variance), want \(want)")
    }

    @Test(arguments: names)
    func sameSeedSameBits(name: String) throws {
        let sampler = try Self.sampler(name)
        var a = RandomSource(seed: 73), b = RandomSource(seed: 73), c = RandomSource(seed: 74)
        let one = sampler.sample(count: 50, score: Self.eight, rng: &a, progress: nil)
        let two = sampler.sample(count: 50, score: Self.eight, rng: &b, progress: nil)
        let other = sampler.sample(count: 50, score: Self.eight, rng: &c, progress: nil)
        #expect(one.samples.elements.map(\.bitPattern) == two.samples.elements.map(\.bitPattern), "\(name)")
        #expect(one.samples != other.samples)
        #expect(one.evaluations == two.evaluations)
    }

    @Test(arguments: ["large", "small", "eta-0", "eta-1"])
    func oneReverseStepHasItsClosedFormVariance(rule: String) throws {
        // Data N(0, v) in 1-D with its exact score -x / V_t, V_t = alpha_t^2 v + sigma_t^2, on DDPM's
        // chain with two levels (steps T and 1): one step x' = A x + B s + C z from the prior
        // N(0, 1), then Tweedie's x0 = x' (1 - sigma^2 / V) / alpha. So Var x0 = ((A - B / V_T)^2 + C^2)
        // ((1 - sigma^2 / V) / alpha)^2 with a = alpha_T / alpha_s, b^2 = sigma_T^2 - a^2 sigma_s^2 and
        // (A, B, C) = (1/a, b^2/a, b) for the large variance, C = b sigma_s / sigma_T for the small one
        // (DDPM's beta-tilde), and DDIM's (alpha_s/alpha_T, alpha_s sigma_T^2/alpha_T - keep sigma_T, c).
        // 20,000 draws: standard error 1% of the variance; tolerance 5%. Rejected: the large variance
        // in place of the small (1.0 against 1.1e-4 here), eta = 1 not the small step, a wrong a or b.
        let v = 0.5, data = GaussianMixture(weights: [1], means: [[0]], variances: [[v]])
        let chain = VariancePreserving(steps: 1000)
        let sampler: DiffusionSampler, process = VariancePreserving(steps: 1000)
        switch rule {
        case "large": sampler = try DiffusionSampler(process: process, rule: .ancestral(largeVariance: true), steps: 2)
        case "small": sampler = try DiffusionSampler(process: process, rule: .ancestral(largeVariance: false), steps: 2)
        case "eta-0": sampler = try DiffusionSampler(process: process, rule: .ddim(eta: 0), steps: 2)
        default: sampler = try DiffusionSampler(process: process, rule: .ddim(eta: 1), steps: 2)
        }
        // timeGrid(2) on the chain is steps T and 1; the test reads the levels from the chain.
        #expect(chain.timeGrid(count: 2) == [1, 0.001])
        let from = chain.level(atStep: 1000), to = chain.level(atStep: 1)
        let a = from.alpha / to.alpha, b2 = from.sigma * from.sigma - a * a * to.sigma * to.sigma
        let vFrom = from.alpha * from.alpha * v + from.sigma * from.sigma, vTo = to.alpha * to.alpha * v + to.sigma * to.sigma
        let small = (b2 * to.sigma * to.sigma / (from.sigma * from.sigma)).squareRoot()
        let (A, B, C): (Double, Double, Double)
        switch rule {
        case "large": (A, B, C) = (1 / a, b2 / a, b2.squareRoot())
        case "small": (A, B, C) = (1 / a, b2 / a, small)
        default:
            let c = rule == "eta-0" ? 0 : small, keep = (to.sigma * to.sigma - c * c).squareRoot()
            (A, B, C) = (to.alpha / from.alpha, to.alpha * from.sigma * from.sigma / from.alpha - keep * from.sigma, c)
        }
        let stepped = pow(A - B / vFrom, 2) + C * C
        let want = stepped * pow((1 - to.sigma * to.sigma / vTo) / to.alpha, 2)
        var rng = RandomSource(seed: 78)
        let x = sampler.sample(count: 20_000, score: data, rng: &rng, progress: nil).samples
        let variance = x.elements.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.rows)
        #expect(abs(variance / want - 1) < 0.05, "\(rule): variance \(variance), closed form \(want)")
    }

    @Test func ddimWithEtaZeroIsAMapOfItsStart() throws {
        // With eta = 0 nothing is drawn after the start: the generator ends where drawing the start
        // alone leaves it, and the output is a function of the start.
        let sampler = try Self.sampler("ddim")
        var rng = RandomSource(seed: 75), startOnly = RandomSource(seed: 75)
        _ = sampler.sample(count: 10, score: Self.eight, rng: &rng, progress: nil)
        _ = startOnly.normals(count: 20)
        #expect(rng.next() == startOnly.next())
    }

    @Test func evaluationsAreCounted() throws {
        #expect(try Self.sampler("ddpm").sample(count: 2, score: Self.eight, rng: &Self.scratch, progress: nil).evaluations == 100)
        #expect(try Self.sampler("pc").sample(count: 2, score: Self.eight, rng: &Self.scratch, progress: nil).evaluations == 99 * 2 + 1)
        #expect(try Self.sampler("ode-heun").sample(count: 2, score: Self.eight, rng: &Self.scratch, progress: nil).evaluations == 101)
        #expect(try Self.sampler("reverse-sde").sample(count: 2, score: Self.eight, rng: &Self.scratch, progress: nil).evaluations == 201)
    }

    nonisolated(unsafe) static var scratch = RandomSource(seed: 76)

    /// A range the denoised estimate never leaves changes nothing but rounding; a binding one
    /// keeps every chain inside it, even for a score that is badly wrong (here too small by 5x,
    /// which unclipped leaves samples spread far beyond the data).
    @Test(arguments: ["ddpm", "ddpm-small", "ddim", "ddim-eta-1"])
    func clippingTheDenoisedEstimateIsExactInsideAndBoundsOutside(name: String) throws {
        let plain = try Self.sampler(name) as! DiffusionSampler
        let wide = try DiffusionSampler(process: plain.process, rule: plain.rule, schedule: plain.schedule, clip: -1e6...1e6)
        var rng = RandomSource(seed: 71), same = RandomSource(seed: 71)
        let a = plain.sample(count: 500, score: Self.eight, rng: &rng, progress: nil).samples
        let b = wide.sample(count: 500, score: Self.eight, rng: &same, progress: nil).samples
        let largest = zip(a.elements, b.elements).map { Swift.abs($0 - $1) }.max()!
        #expect(largest < 1e-3, "\(name): wide clipping moved a sample by \(largest)")
        #expect(wide.name == plain.name + "-clipped")

        struct Weak: ScoreFunction {
            let dimension = 2
            func score(_ x: Matrix, at level: NoiseLevel, into out: inout Matrix) {
                out = SamplerTests.eight.scores(x, at: level)
                for i in out.elements.indices { out.elements[i] *= 0.2 }
            }
        }
        let tight = try DiffusionSampler(process: plain.process, rule: plain.rule, schedule: plain.schedule, clip: -1...1)
        let unclipped = plain.sample(count: 500, score: Weak(), rng: &rng, progress: nil).samples
        let clipped = tight.sample(count: 500, score: Weak(), rng: &rng, progress: nil).samples
        #expect(unclipped.elements.contains { Swift.abs($0) > 2 }, "\(name): the weak score should spread samples out")
        #expect(clipped.elements.allSatisfy { Swift.abs($0) <= 1 }, "\(name): a clipped sample left [-1, 1]")
        #expect(throws: SamplerError.self) { try DiffusionSampler(process: Self.vp, rule: .ddim(eta: 0), clip: -Float.infinity...1) }
    }

    /// --schedule reaches the sampler as the schedule of that name; uniform is what the samplers
    /// walked before schedules were values.
    @Test func theScheduleOptionPicksTheSchedule() throws {
        let karras = try SamplerOptions.parse(["--sampler", "ddim", "--sampling-schedule", "karras", "--rho", "5", "--sampling-steps", "40"]).make(for: Self.vpSDE)
        #expect((karras as? DiffusionSampler)?.schedule == (try Schedule.karras(Self.vpSDE, count: 40, rho: 5)))
        let geometric = try SamplerOptions.parse(["--sampler", "pc", "--sampling-schedule", "geometric", "--sampling-steps", "30"]).make(for: Self.ve)
        #expect((geometric as? PredictorCorrector)?.schedule == (try Schedule.geometric(Self.ve, count: 30)))
        let uniform = try SamplerOptions.parse(["--sampler", "reverse-sde", "--sampling-steps", "20"]).make(for: Self.vpSDE)
        #expect((uniform as? ReverseSDE)?.schedule == (try Schedule.uniform(Self.vpSDE, count: 21)))
        #expect(throws: (any Error).self) { try SamplerOptions.parse(["--rho", "0"]) }
    }

    @Test func impossiblePairingsAndSettingsAreRefused() {
        #expect(Self.vp.continuous == nil && Self.vpSDE.continuous != nil)
        for sampler in ["reverse-sde", "ode-heun", "ode-rk45"] {
            let error = #expect(throws: (any Error).self) { try SamplerOptions.parse(["--sampler", sampler]).make(for: Self.vp) }
            #expect(error.map { "\($0)".contains("needs a continuous process; vp is a discrete chain") } == true, "\(sampler): \(String(describing: error))")
        }
        #expect(throws: SamplerError.self) { try DiffusionSampler(process: Self.vp, rule: .ddim(eta: 1.5)) }
        #expect(throws: SamplerError.self) { try DiffusionSampler(process: Self.vp, rule: .ddim(eta: 0), steps: 1001) }
        #expect(throws: SamplerError.self) { try DiffusionSampler(process: Self.vpSDE, rule: .ddim(eta: 0), steps: 1) }
        #expect(throws: SamplerError.self) { try ProbabilityFlowODE(process: Self.vpSDE, solver: .rk45(relativeTolerance: 0, absoluteTolerance: 1e-3)) }
        #expect(throws: SamplerError.self) { try PredictorCorrector(process: Self.vpSDE, snr: -1) }
    }
}
