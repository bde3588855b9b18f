import Foundation

/// The sub-VP SDE of Song et al. (2021): the VP drift with a smaller diffusion,
///
///     dx = -beta(t) x / 2 dt + sqrt(beta(t) (1 - abar(t)^2)) dW,   x_t = sqrt(abar(t)) x_0 + (1 - abar(t)) eps,
///
/// whose marginal variance stays below the VP one at every t (and reaches the same prior).
public struct SubVariancePreservingSDE: ContinuousProcess, RegisteredProcess {
    public let base: VariancePreservingSDE

    public init(betaMin: Double = 0.1, betaMax: Double = 20, earliestTime: Double = 1e-5) {
        base = VariancePreservingSDE(betaMin: betaMin, betaMax: betaMax, earliestTime: earliestTime)
    }

    public static let processName = "subvp-sde"
    public static let help = "the sub-VP SDE, whose variance stays below the VP one, beta(t) linear from 0.1 to 20."

    public init(settings: ProcessSettings) { self.init() }

    public init(metadata: MetadataReader) throws {
        let (lo, hi, earliest) = try VariancePreservingSDE.parameters(metadata)
        self.init(betaMin: lo, betaMax: hi, earliestTime: earliest)
    }

    /// The VP SDE's fields under this process's name.
    public var metadata: [String: String] { base.metadata.merging(["process": name]) { _, new in new } }

    public var name: String { Self.processName }
    public var summary: String { "sub-VP SDE, beta(t) linear from \(base.betaMin) to \(base.betaMax)" }
    public var steps: Int? { nil }
    public var earliestTime: Double { base.earliestTime }
    public var priorStandardDeviation: Double { 1 }

    public func level(at t: Double) -> NoiseLevel {
        let abar = base.alphaBar(at: t)
        return NoiseLevel(time: t, alpha: abar.squareRoot(), sigma: 1 - abar)
    }

    public func trainingLevel(uniform u: Float) -> NoiseLevel { level(at: earliestTime + (1 - earliestTime) * Double(u)) }

    public func sde(at t: Double) -> (drift: Double, diffusion: Double) {
        let abar = base.alphaBar(at: t), beta = base.beta(at: t)
        return (-0.5 * beta, (beta * (1 - abar * abar)).squareRoot())
    }
}
