import Foundation

/// Additive noise x~ = x + u with independent coordinates u_j ~ k, parameterised so that each
/// coordinate's variance is sigma^2: the kernels compare at matched noise power.
///
/// Denoising score matching regresses onto the conditional score grad_x~ log k(x~ | x) =
/// (log k)'(x~ - x) per coordinate; `conditionalScore` gives it, or nil where the kernel has none
/// (the uniform kernel's is 0 inside its box and undefined on the edges: DSM's naive target).
/// `convolved` gives the exact 1-D density of y = m + sqrt(v) z + u, z ~ N(0, 1), and its
/// derivative in log form, from which the perturbed density of a Gaussian mixture follows.
public protocol AdditiveNoise: Corruption {
    var name: String { get }
    /// Per-coordinate standard deviation of the noise.
    var sigma: Double { get }
    /// The same kernel family at another noise level.
    func scaled(to sigma: Double) -> Self
    /// One draw of a coordinate's noise.
    func sample(rng: inout RandomSource) -> Double
    /// log k(u) of one coordinate.
    func logDensity(_ u: Double) -> Double
    /// P(U <= u) for one coordinate.
    func cumulativeProbability(_ u: Double) -> Double
    /// (log k)'(u), or nil where it is not defined.
    func conditionalScore(_ u: Double) -> Double?
    /// log of the density of N(mean, variance) + u at y, and d/dy of it; nil when this kernel
    /// has no closed form (the perturbed mixture then says so).
    func convolved(y: Double, mean: Double, variance: Double) -> (logDensity: Double, score: Double)?
    /// Whether `convolved` is a numerical quadrature, too slow for a sampler's every step: the
    /// perturbed mixture then reads it from a `ConvolutionTable`.
    var convolvesByQuadrature: Bool { get }
}

extension AdditiveNoise {
    public var convolvesByQuadrature: Bool { false }
}

