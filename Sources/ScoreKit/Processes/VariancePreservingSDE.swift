import Foundation

/// The continuous variance-preserving SDE of Song et al. (2021), the limit of DDPM's chain:
///
///     dx = -beta(t) x / 2 dt + sqrt(beta(t)) dW,   beta(t) = beta_min + t (beta_max - beta_min),
///     x_t = sqrt(abar(t)) x_0 + sqrt(1 - abar(t)) eps,   log abar(t) = -(beta_min t + (beta_max - beta_min) t^2 / 2),
///
/// with beta from 0.1 to 20 by default. Training draws t uniform on [eps_t, 1], eps_t = 1e-5.
public struct VariancePreservingSDE: ContinuousProcess, RegisteredProcess {
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

    public static let processName = "vp-sde"
    public static let help = "the continuous VP SDE, beta(t) linear from 0.1 to 20."

    public init(settings: ProcessSettings) { self.init() }

    /// beta_min <= beta_max and the earliest time, all positive, the last below 1.
    public init(metadata: MetadataReader) throws {
        let (lo, hi, earliest) = try Self.parameters(metadata)
        self.init(betaMin: lo, betaMax: hi, earliestTime: earliest)
    }

    /// beta_min, beta_max and the earliest time as `metadata` gives them, checked.
    static func parameters(_ metadata: MetadataReader) throws -> (Double, Double, Double) {
        let lo = try metadata.real("beta_min"), hi = try metadata.real("beta_max"), earliest = try metadata.real("earliest_time")
        guard lo <= hi else { throw MetadataReader.Problem("metadata 'beta_min' \(lo) is above 'beta_max' \(hi)") }
        guard earliest < 1 else { throw MetadataReader.Problem("metadata 'earliest_time' is \(earliest), not below 1") }
        return (lo, hi, earliest)
    }

    public var metadata: [String: String] {
        ["process": name, "beta_min": String(betaMin), "beta_max": String(betaMax), "earliest_time": String(earliestTime)]
    }

    public var name: String { Self.processName }
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

    public func sde(at t: Double) -> (drift: Double, diffusion: Double) { (-0.5 * beta(at: t), beta(at: t).squareRoot()) }
}
