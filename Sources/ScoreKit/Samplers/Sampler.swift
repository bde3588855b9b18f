/// Samples and what they cost: the score (network) evaluations each chain took (NFE).
public struct SamplerRun {
    public let samples: Matrix
    public let evaluations: Int
}

/// Draws samples by running chains from noise toward the data with a score function. Every
/// sampler is deterministic for a given generator state: the same seed gives the same bits.
/// `progress` is called with (steps done, steps planned).
public protocol Sampler {
    /// A short name for reports ("ddpm", "ddim", ...).
    var name: String { get }
    func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource, progress: ((Int, Int) -> Void)?) -> SamplerRun
}

/// A sampler's (or the likelihood's) settings that cannot work: the reason, for the command line.
public struct SamplerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// How many levels a sampler walks when asked for `steps`: a chain's T (else 1000) by default;
/// refused below 2 (a step needs two levels) and beyond a chain's own steps.
func levelCount(_ steps: Int?, on process: any ForwardProcess) throws -> Int {
    let count = steps ?? process.steps ?? 1000
    guard count >= 2 else { throw SamplerError("steps must be at least 2, got \(count)") }
    if let chain = process.steps, count > chain {
        throw SamplerError("the \(process.name) process has \(chain) steps; \(count) were asked for")
    }
    return count
}

/// Refuses tolerances of an adaptive solver that are not positive and finite.
func checkTolerances(relative: Double, absolute: Double) throws {
    guard relative > 0 && absolute > 0 && relative.isFinite && absolute.isFinite else {
        throw SamplerError("tolerances must be positive and finite, got rtol \(relative), atol \(absolute)")
    }
}

/// The chains of one sampling run and the scratch they step with, allocated once: `x` the current
/// points, `s` the latest scores, `z` fresh noise.
struct Chains {
    var x: Matrix
    var s: Matrix
    var z: Matrix

    init(count: Int, dimension: Int) {
        x = Matrix(rows: count, columns: dimension)
        s = Matrix(rows: count, columns: dimension)
        z = Matrix(rows: count, columns: dimension)
    }

    /// x ~ N(0, std^2 I).
    mutating func startGaussian(standardDeviation std: Double, rng: inout RandomSource) {
        x.elements.withUnsafeMutableBufferPointer { rng.fillNormal($0.baseAddress!, count: $0.count) }
        let scale = Float(std)
        for i in x.elements.indices { x.elements[i] *= scale }
    }

    /// s <- s(x, level).
    mutating func evaluate(_ score: some ScoreFunction, at level: NoiseLevel) {
        score.score(x, at: level, into: &s)
    }

    /// z <- fresh N(0, I) draws.
    mutating func drawNoise(rng: inout RandomSource) {
        z.elements.withUnsafeMutableBufferPointer { rng.fillNormal($0.baseAddress!, count: $0.count) }
    }

    /// x <- a x + b s + c z, elementwise.
    mutating func update(x a: Double, score b: Double, noise c: Double) {
        let a = Float(a), b = Float(b), c = Float(c)
        x.elements.withUnsafeMutableBufferPointer { xs in
            s.elements.withUnsafeBufferPointer { ss in
                z.elements.withUnsafeBufferPointer { zs in
                    Kernels.combine(count: xs.count, xs.baseAddress!, a, ss.baseAddress!, b, zs.baseAddress!, c)
                }
            }
        }
    }

    /// x <- p clip(x0_hat) + q x + c z with x0_hat = (x + sigma^2 s) / alpha at `level`, elementwise:
    /// a step through the denoised estimate, clipped to `range` (the data's known range).
    mutating func update(denoised p: Double, x q: Double, noise c: Double, at level: NoiseLevel, clippedTo range: ClosedRange<Float>) {
        let inverseAlpha = Float(1 / level.alpha), variance = Float(level.sigma * level.sigma)
        let p = Float(p), q = Float(q), c = Float(c), low = range.lowerBound, high = range.upperBound
        for i in x.elements.indices {
            let denoised = min(high, max(low, (x.elements[i] + variance * s.elements[i]) * inverseAlpha))
            x.elements[i] = p * denoised + q * x.elements[i] + c * z.elements[i]
        }
    }

    /// Tweedie's posterior mean E[x_0 | x_t] = (x + sigma^2 s(x, t)) / alpha, exact for Gaussian
    /// noise: the last denoising step every sampler may take; clipped to `range` when given.
    mutating func denoise(_ score: some ScoreFunction, at level: NoiseLevel, clippedTo range: ClosedRange<Float>? = nil) {
        evaluate(score, at: level)
        if let range {
            update(denoised: 1, x: 0, noise: 0, at: level, clippedTo: range)
        } else {
            update(x: 1 / level.alpha, score: level.sigma * level.sigma / level.alpha, noise: 0)
        }
    }
}
