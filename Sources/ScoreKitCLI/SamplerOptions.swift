import ArgumentParser
import ScoreKit

/// Annealed Langevin settings (Song and Ermon 2019, Algorithm 1).
public struct SamplerOptions: ParsableArguments {
    @Option(name: .long, help: "Samples to draw (all chains move together as one batch).")
    public var samples = 10_000

    @Option(name: .long, help: "Noise levels of the sampler, geometric from sigma-max down to sigma-min.")
    public var levels = 10

    @Option(name: .long, help: "Langevin steps per noise level (T).")
    public var stepsPerLevel = 100

    @Option(name: .long, help: "Step size at the smallest level; level i uses eps * sigma_i^2 / sigma_L^2.")
    public var eps: Float = 2e-5

    @Flag(name: .long, inversion: .prefixedNo, help: "End with the Tweedie denoising step x + sigma_L^2 s(x, sigma_L).")
    public var denoise = true

    public init() {}

    public func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
        guard levels >= 1 else { throw ValidationError("--levels must be at least 1, got \(levels)") }
        guard stepsPerLevel >= 1 else { throw ValidationError("--steps-per-level must be at least 1, got \(stepsPerLevel)") }
        guard eps > 0 && eps.isFinite else { throw ValidationError("--eps must be positive, got \(eps)") }
    }

    public func sampler(sigmaMax: Float, sigmaMin: Float) -> AnnealedLangevin {
        AnnealedLangevin(sigmaMax: sigmaMax, sigmaMin: sigmaMin, levels: levels, stepsPerLevel: stepsPerLevel,
                         epsilon: eps, denoise: denoise)
    }

    /// Draws the samples with a progress line; refuses to return NaN or infinite samples.
    public func draw(from score: some NoiseConditionalScore, sigmaMax: Float, sigmaMin: Float,
                     rng: inout RandomSource) throws -> Matrix {
        let langevin = sampler(sigmaMax: sigmaMax, sigmaMin: sigmaMin)
        let progress = ProgressLine("sampling: step", total: langevin.totalSteps)
        let drawn = langevin.sample(count: samples, score: score, rng: &rng) { done, _ in progress.update(done) }
        guard drawn.isFinite else {
            throw RunFailure("annealed Langevin produced NaN or infinite samples; try a smaller --eps or more training")
        }
        return drawn
    }
}
