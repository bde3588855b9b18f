/// Samples and what they cost: the score (network) evaluations each chain took (NFE).
public struct SamplerRun {
    public let samples: Matrix
    public let evaluations: Int
}

/// Draws samples by running chains from a known start toward the data, guided by a model of it:
/// a score function for the Gaussian samplers (`ScoreSampler`), a restoration R(x, k) for the
/// blur ladder's (`RestorationSampler`). Every sampler is deterministic for a given generator
/// state: the same seed gives the same bits. `progress` is called with (steps done, steps planned).
public protocol Sampler<Guide> {
    /// What the chains step with.
    associatedtype Guide
    /// A short name for reports ("ddpm", "ddim", ...).
    var name: String { get }
    func sample(count: Int, guide: Guide, rng: inout RandomSource, progress: ((Int, Int) -> Void)?) -> SamplerRun
}

/// A sampler that steps with a score function s(x, level).
public protocol ScoreSampler: Sampler where Guide == any ScoreFunction {
    func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource, progress: ((Int, Int) -> Void)?) -> SamplerRun
}

extension ScoreSampler {
    public func sample(count: Int, guide: any ScoreFunction, rng: inout RandomSource, progress: ((Int, Int) -> Void)?) -> SamplerRun {
        sample(count: count, score: guide, rng: &rng, progress: progress)
    }
}

/// A sampler that steps with a restoration R(x, k) ~ E[x_0 | x_k] along a `BlurLadder`.
public protocol RestorationSampler: Sampler where Guide == any Restoration {
    func sample(count: Int, restoration: some Restoration, rng: inout RandomSource, progress: ((Int, Int) -> Void)?) -> SamplerRun
}

extension RestorationSampler {
    public func sample(count: Int, guide: any Restoration, rng: inout RandomSource, progress: ((Int, Int) -> Void)?) -> SamplerRun {
        sample(count: count, restoration: guide, rng: &rng, progress: progress)
    }
}

/// A sampler's (or the likelihood's) settings that cannot work: the reason, for the command line.
public struct SamplerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
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

    /// One predictor move from `from` to `to`: s(x, from), fresh noise where the move has any,
    /// then the update (through the denoised estimate clipped to `clip` when given).
    mutating func predict(with predictor: some Predictor, from: NoiseLevel, to: NoiseLevel, score: some ScoreFunction,
                          rng: inout RandomSource, clip: ClosedRange<Float>? = nil) {
        let move = predictor.update(from: from, to: to)
        evaluate(score, at: from)
        if move.noise > 0 { drawNoise(rng: &rng) }
        if let clip {
            let (p, q, c) = move.throughDenoised(at: from)
            update(denoised: p, x: q, noise: c, at: from, clippedTo: clip)
        } else {
            update(x: move.x, score: move.score, noise: move.noise)
        }
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
