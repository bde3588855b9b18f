/// Plain (unadjusted) Langevin dynamics with one fixed score, no annealing (Song and Ermon 2019,
/// section 3.2), to show where it fails:
///
///     x <- x + (eps / 2) s(x, level) + sqrt(eps) z,   `steps` times,
///
/// from chains uniform on a box [low, high]^d. With modes far apart in low-density space the score
/// carries no information about their weights, and the chains keep the weights of their start.
public struct LangevinDynamics: ScoreSampler, Sendable {
    public let level: NoiseLevel
    public let steps: Int
    public let stepSize: Double
    public let start: ClosedRange<Float>

    public init(level: NoiseLevel, steps: Int, stepSize: Double, start: ClosedRange<Float>) throws {
        guard steps >= 1 else { throw SamplerError("steps must be at least 1, got \(steps)") }
        guard stepSize > 0 && stepSize.isFinite else { throw SamplerError("the step size must be positive, got \(stepSize)") }
        self.level = level
        self.steps = steps
        self.stepSize = stepSize
        self.start = start
    }

    public var name: String { "langevin" }

    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        var chains = Chains(count: count, dimension: score.dimension)
        chains.x.elements.withUnsafeMutableBufferPointer {
            rng.fillUniform($0.baseAddress!, count: $0.count, low: start.lowerBound, high: start.upperBound)
        }
        for i in 0..<steps {
            chains.evaluate(score, at: level)
            chains.drawNoise(rng: &rng)
            chains.update(x: 1, score: stepSize / 2, noise: stepSize.squareRoot())
            progress?(i + 1, steps)
        }
        return SamplerRun(samples: chains.x, evaluations: steps)
    }
}
