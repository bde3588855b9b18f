import Foundation

/// The continuous variance-preserving SDE of Song et al. (2021), the limit of DDPM's chain:
///
///     dx = -beta(t) x / 2 dt + sqrt(beta(t)) dW,   beta(t) = beta_min + t (beta_max - beta_min),
///     x_t = sqrt(abar(t)) x_0 + sqrt(1 - abar(t)) eps,   log abar(t) = -(beta_min t + (beta_max - beta_min) t^2 / 2),
///
/// with beta from 0.1 to 20 by default. Training draws t uniform on [eps_t, 1], eps_t = 1e-5.
public struct VariancePreservingSDE: ForwardProcess {
    public let betaMin: Double
    public let betaMax: Double
    public let earliestTime: Double

    public init(betaMin: Double = 0.1, betaMax: Double = 20, earliestTime: Double = 1e-5) {
        precondition(betaMin > 0 && betaMax >= betaMin && betaMax.isFinite, "VariancePreservingSDE: need 0 < beta_min <= beta_max")
        precondition(earliestTime > 0 && earliestTime < 1, "VariancePreservingSDE: eps_t must lie in (0, 1)")
        self.betaMin = betaMin
        self.betaMax = betaMax
        self.earliestTime = earliestTime
    }

    public var name: String { "vp-sde" }
    public var summary: String { "variance-preserving SDE, beta(t) linear from \(betaMin) to \(betaMax)" }
    public var steps: Int? { nil }
    public var priorStandardDeviation: Double { 1 }

    public func beta(at t: Double) -> Double { betaMin + t * (betaMax - betaMin) }

    /// abar(t) = exp(-integral_0^t beta).
    public func alphaBar(at t: Double) -> Double { exp(-(betaMin * t + 0.5 * (betaMax - betaMin) * t * t)) }

    public func level(at t: Double) -> NoiseLevel {
        let abar = alphaBar(at: t)
        return NoiseLevel(time: t, alpha: abar.squareRoot(), sigma: (-expm1(-(betaMin * t + 0.5 * (betaMax - betaMin) * t * t))).squareRoot())
    }

    public func trainingLevel(uniform u: Float) -> NoiseLevel { level(at: earliestTime + (1 - earliestTime) * Double(u)) }

    public func sde(at t: Double) -> (drift: Double, diffusion: Double)? { (-0.5 * beta(at: t), beta(at: t).squareRoot()) }
}

/// The sub-VP SDE of Song et al. (2021): the VP drift with a smaller diffusion,
///
///     dx = -beta(t) x / 2 dt + sqrt(beta(t) (1 - abar(t)^2)) dW,   x_t = sqrt(abar(t)) x_0 + (1 - abar(t)) eps,
///
/// whose marginal variance stays below the VP one at every t (and reaches the same prior).
public struct SubVariancePreservingSDE: ForwardProcess {
    public let base: VariancePreservingSDE

    public init(betaMin: Double = 0.1, betaMax: Double = 20, earliestTime: Double = 1e-5) {
        base = VariancePreservingSDE(betaMin: betaMin, betaMax: betaMax, earliestTime: earliestTime)
    }

    public var name: String { "subvp-sde" }
    public var summary: String { "sub-VP SDE, beta(t) linear from \(base.betaMin) to \(base.betaMax)" }
    public var steps: Int? { nil }
    public var earliestTime: Double { base.earliestTime }
    public var priorStandardDeviation: Double { 1 }

    public func level(at t: Double) -> NoiseLevel {
        let abar = base.alphaBar(at: t)
        return NoiseLevel(time: t, alpha: abar.squareRoot(), sigma: 1 - abar)
    }

    public func trainingLevel(uniform u: Float) -> NoiseLevel { level(at: earliestTime + (1 - earliestTime) * Double(u)) }

    public func sde(at t: Double) -> (drift: Double, diffusion: Double)? {
        let abar = base.alphaBar(at: t), beta = base.beta(at: t)
        return (-0.5 * beta, (beta * (1 - abar * abar)).squareRoot())
    }
}
