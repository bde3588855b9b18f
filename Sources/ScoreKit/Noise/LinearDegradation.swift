import Foundation

/// A blur-like deterministic degradation with an optional small Gaussian noise:
///
///     x~ = m + c (x - m) + eta z,   z ~ N(0, I)
///
/// a contraction by c toward the data mean m, the 2-D analogue of a blur (which contracts an
/// image's fine detail toward its local mean). At level sigma it matches the other kernels' noise
/// power: E||x~ - x||^2 / d = (1 - c)^2 v + eta^2 = sigma^2, with v the data's per-coordinate
/// variance about m (averaged over coordinates) and eta = rho sigma, so
///
///     c(sigma) = 1 - sigma sqrt(1 - rho^2) / sqrt(v),   eta(sigma) = rho sigma.
///
/// Edge cases, all consequences of the map being linear:
/// - A contraction's power is bounded: c reaches 0 (everything collapsed onto m) at
///   sigma = sqrt(v / (1 - rho^2)), and levels from there on are refused.
/// - Without noise (rho = 0) k is a point mass: no conditional score, no DSM target. The
///   corrupted density is the data shrunk by c, exactly as sharp as the data, so its score
///   grows like 1/c.
/// - With noise the kernel is Gaussian in x~: conditional score -(x~ - m - c (x - m)) / eta^2,
///   Tweedie's formula holds in the form E[x | x~] = m + (x~ + eta^2 grad log q(x~) - m) / c,
///   and two steps compose into one (contractions multiply, variances add as c2^2 eta1^2 + eta2^2).
///   With eta^2 = 1 - c^2 around m = 0 it is the variance-preserving (DDPM) kernel.
public struct LinearDegradation: Corruption {
    /// m, the point everything contracts toward.
    public let center: [Double]
    /// v, the data's per-coordinate variance about m.
    public let dataVariance: Double
    /// rho: the noise's share eta / sigma of the level (0: a pure contraction).
    public let noiseFraction: Double
    /// l^2, the variance of the data's finest structure (a mixture's narrowest component): a
    /// contraction shrinks it to c^2 l^2, which sets the score's size and a sampler's step.
    public let finestVariance: Double

    public init(center: [Double], dataVariance: Double, finestVariance: Double, noiseFraction: Double) {
        precondition(!center.isEmpty && center.allSatisfy(\.isFinite), "LinearDegradation: the center must be finite")
        precondition(dataVariance > 0 && dataVariance.isFinite, "LinearDegradation: the data variance must be positive, got \(dataVariance)")
        precondition(noiseFraction >= 0 && noiseFraction < 1, "LinearDegradation: the noise fraction must lie in [0, 1), got \(noiseFraction)")
        precondition(finestVariance > 0 && finestVariance.isFinite, "LinearDegradation: the finest variance must be positive, got \(finestVariance)")
        self.center = center
        self.finestVariance = finestVariance
        self.dataVariance = dataVariance
        self.noiseFraction = noiseFraction
    }

    /// Contraction toward the mixture's own mean, with its per-coordinate variance about it and
    /// its narrowest component variance as the finest structure.
    public init(around mixture: GaussianMixture, noiseFraction: Double) {
        let d = mixture.dimension
        let mean = (0..<d).map { j in (0..<mixture.componentCount).reduce(0.0) { $0 + mixture.weights[$1] * mixture.means[$1][j] } }
        var variance = 0.0
        for k in 0..<mixture.componentCount {
            for j in 0..<d {
                let offset = mixture.means[k][j] - mean[j]
                variance += mixture.weights[k] * (mixture.variances[k][j] + offset * offset)
            }
        }
        self.init(center: mean, dataVariance: variance / Double(d), finestVariance: mixture.variances.joined().min()!,
                  noiseFraction: noiseFraction)
    }

    public var name: String { noiseFraction == 0 ? "contraction" : "contraction+noise" }

    /// The level at which the contraction reaches c.
    public func sigma(forContraction c: Double) -> Double {
        (1 - c) * (dataVariance / (1 - noiseFraction * noiseFraction)).squareRoot()
    }

    /// c(sigma); the level must leave something to contract (c > 0).
    public func contraction(at sigma: Double) -> Double {
        let c = 1 - sigma * ((1 - noiseFraction * noiseFraction) / dataVariance).squareRoot()
        precondition(sigma >= 0 && c > 0, "LinearDegradation: sigma \(sigma) is beyond the largest contraction level \(self.sigma(forContraction: 0))")
        return c
    }

    /// eta(sigma), the standard deviation of the added noise.
    public func noise(at sigma: Double) -> Double { noiseFraction * sigma }

    public var hasConditionalScore: Bool { noiseFraction > 0 }

    /// sqrt(c^2 l^2 + eta^2): the finest structure's width after degradation. Without noise it
    /// shrinks with c, and the score grows like 1 / c where sigma only grows.
    public func outputScale(at sigma: Double) -> Double {
        let c = contraction(at: sigma), eta = noise(at: sigma)
        return (c * c * finestVariance + eta * eta).squareRoot()
    }

    public func corrupt(row: Int, of clean: Matrix, sigma: Float, into corrupted: inout Matrix, target: inout Matrix,
                        rng: inout RandomSource) {
        precondition(clean.columns == center.count, "LinearDegradation: rows have \(clean.columns) coordinates, the center \(center.count)")
        let c = contraction(at: Double(sigma)), eta = noise(at: Double(sigma))
        for j in 0..<clean.columns {
            let z = eta > 0 ? rng.normalDouble() : 0
            corrupted[row, j] = Float(center[j] + c * (Double(clean[row, j]) - center[j]) + eta * z)
            // -(x~ - mean) / eta^2 = -z / eta.
            target[row, j] = eta > 0 ? Float(-z / eta) : 0
        }
    }

    public func corrupted(_ mixture: GaussianMixture) -> any PerturbedDataSource {
        DegradedMixture(mixture: mixture, degradation: self)
    }

    /// m + (x~ + eta^2 grad log q(x~) - m) / c: Tweedie's formula for the contracted point, mapped back.
    public func denoised(_ corrupted: [Double], score: [Double], sigma: Double) -> [Double] {
        let c = contraction(at: sigma), variance = noise(at: sigma) * noise(at: sigma)
        return corrupted.indices.map { j in center[j] + (corrupted[j] + variance * score[j] - center[j]) / c }
    }
}
