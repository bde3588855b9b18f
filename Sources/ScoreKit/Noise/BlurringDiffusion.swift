import Foundation

/// Blurring diffusion (Hoogeboom and Salimans, 2023): heat dissipation and Gaussian noise at once,
///
///     x_t = alpha_t B_t x_0 + sigma_t eps,   eps ~ N(0, I),   B_t = V diag(d_t) V^T,
///     d_t = (1 - d_min) exp(-lambda tau_t) + d_min,   tau_t = sigma_B(t)^2 / 2,   sigma_B(t) = sigma_B,max sin^2(pi t / 2),
///
/// with V the cosine basis in which the heat equation is diagonal and lambda each coefficient's
/// rate (`HeatDissipation`), and alpha_t, sigma_t those of DDPM's chain at t = k / T
/// (`VariancePreserving`), so the Gaussian VP arm and this one differ by the blur alone. In the
/// basis V each frequency is a one-dimensional VP process with alpha_t d_t in place of alpha_t:
/// the kernel is Gaussian, DSM keeps its target -eps / sigma_t, and a network predicting the noise
/// (s = -eps_hat / sigma_t) is trained as DDPM's is (`BlurringDiffusionScoreMatching`).
///
/// Edge cases:
/// - d_min > 0 (the paper's 0.001) keeps B_t invertible: the finest frequencies are damped a
///   thousandfold, never erased, so the signal-to-noise ratio alpha_t d_t / sigma_t still falls
///   with t in every frequency and the reverse posterior exists.
/// - t = 0 gives d = 1 and B = I; sigma_B,max = 0 gives DDPM's chain itself.
/// - By default sigma_B,max is the image's longer side, where the slowest non-constant frequency
///   keeps exp(-lambda_1 tau_1) < 1%, as `BlurLadder`'s top level.
public struct BlurringDiffusion: Sendable {
    public let heat: HeatDissipation
    public let chain: VariancePreserving
    /// sigma_B,max, the blur's standard deviation in pixels at t = 1.
    public let largestBlur: Double
    /// d_min, the floor of every frequency's decay.
    public let minimumDecay: Double
    /// lambda per cosine coefficient (`HeatDissipation.frequencyRates`).
    let rates: [Double]
    /// The axis operators into the cosine basis and back.
    let forwardOperators: (height: [Float], width: [Float])
    let inverseOperators: (height: [Float], width: [Float])

    public init(shape: ImageShape, chain: VariancePreserving = VariancePreserving(steps: 1000), largestBlur: Double? = nil,
                minimumDecay: Double = 1e-3) {
        let largest = largestBlur ?? Double(max(shape.height, shape.width))
        precondition(largest >= 0 && largest.isFinite, "BlurringDiffusion: the largest blur must be finite and non-negative, got \(largest)")
        precondition(minimumDecay > 0 && minimumDecay < 1, "BlurringDiffusion: d_min must lie in (0, 1), got \(minimumDecay)")
        heat = HeatDissipation(shape: shape)
        self.chain = chain
        self.largestBlur = largest
        self.minimumDecay = minimumDecay
        rates = heat.frequencyRates
        forwardOperators = heat.cosineOperators(inverse: false)
        inverseOperators = heat.cosineOperators(inverse: true)
    }

    public var shape: ImageShape { heat.shape }
    /// The process as reports name it.
    public var name: String { "blurring diffusion" }

    /// alpha_t and sigma_t of the chain (t rounded to its grid), what a network reads.
    public func level(at t: Double) -> NoiseLevel { chain.level(at: t) }

    /// sigma_B(t) = sigma_B,max sin^2(pi t / 2), the blur's standard deviation in pixels at t.
    public func blurWidth(at t: Double) -> Double {
        let s = sin(Double.pi * t / 2)
        return largestBlur * s * s
    }

    /// tau_t = sigma_B(t)^2 / 2, the heat equation's time at t.
    public func blurTime(at t: Double) -> Double {
        let width = blurWidth(at: t)
        return width * width / 2
    }

    /// d_t of the coefficient with rate `rate` at heat time `tau`.
    func decay(rate: Double, blurTime tau: Double) -> Double {
        (1 - minimumDecay) * exp(-rate * tau) + minimumDecay
    }

    /// d_t per cosine coefficient (height index major).
    public func decays(at t: Double) -> [Double] {
        let tau = blurTime(at: t)
        return rates.map { decay(rate: $0, blurTime: tau) }
    }

    /// alpha_t B_t as a d x d row-major matrix in double precision: the mean x_0 is mapped to.
    /// B_t = (1 - d_min) A_(tau_t) + d_min I, since both sides share the basis V.
    public func meanOperator(at t: Double) -> [Double] {
        let d = shape.pixels, alpha = level(at: t).alpha
        var out = heat.matrix(at: blurTime(at: t))
        for i in out.indices { out[i] *= alpha * (1 - minimumDecay) }
        for i in 0..<d { out[i * d + i] += alpha * minimumDecay }
        return out
    }

    /// The marginal at t of data drawn from `mixture`: means alpha_t B_t mu_k, covariances
    /// alpha_t^2 B_t S_k B_t + sigma_t^2 I. Nil when one is singular to working precision.
    public func marginal(of mixture: FullCovarianceMixture, at t: Double) -> FullCovarianceMixture? {
        let sigma = level(at: t).sigma
        return mixture.transformed(by: meanOperator(at: t), noiseVariance: sigma * sigma)
    }

    /// B_t applied to `count` images at `x`, image i at heat time `tau(i)`, into `out`, through the
    /// cosine basis; `frequencies` and `scratch` hold as many images. Allocates nothing.
    package func blur(count n: Int, _ x: UnsafePointer<Float>, blurTime tau: (Int) -> Double,
                      into out: UnsafeMutablePointer<Float>, frequencies: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let d = shape.pixels
        heat.apply(count: n, x, operators: forwardOperators, into: frequencies, scratch: scratch)
        for i in 0..<n {
            let time = tau(i), row = frequencies + i * d
            for j in 0..<d { row[j] *= Float(decay(rate: rates[j], blurTime: time)) }
        }
        heat.apply(count: n, frequencies, operators: inverseOperators, into: out, scratch: scratch)
    }

    /// `out` <- the cosine coefficients V^T x of every row of `x` (`toFrequencies`), or the images
    /// V u of coefficients u. Allocates nothing.
    package func transform(_ x: Matrix, toFrequencies: Bool, into out: inout Matrix, scratch: inout Matrix) {
        heat.apply(x, operators: toFrequencies ? forwardOperators : inverseOperators, into: &out, scratch: &scratch)
    }

    /// alpha_t B_t x_0 for every row of `images`: x_t's mean.
    public func mean(_ images: Matrix, at t: Double) -> Matrix {
        precondition(images.columns == shape.pixels, "BlurringDiffusion: rows of \(images.columns) values are not \(shape) images")
        let alpha = Float(level(at: t).alpha), tau = blurTime(at: t)
        var out = images, frequencies = images, scratch = images
        images.elements.withUnsafeBufferPointer { x in
            blur(count: images.rows, x.baseAddress!, blurTime: { _ in tau }, into: &out.elements, frequencies: &frequencies.elements,
                 scratch: &scratch.elements)
        }
        for i in out.elements.indices { out.elements[i] *= alpha }
        return out
    }

    /// x_t for every row of `images` at time t, with fresh noise: the forward process as a figure shows it.
    public func noised(_ images: Matrix, at t: Double, rng: inout RandomSource) -> Matrix {
        var out = mean(images, at: t)
        let sigma = level(at: t).sigma
        for i in out.elements.indices { out.elements[i] += Float(sigma * rng.normalDouble()) }
        return out
    }
}
