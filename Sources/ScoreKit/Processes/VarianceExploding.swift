import Foundation

/// The variance-exploding process of NCSN and score SDEs (Song and Ermon 2019; Song et al. 2021):
///
///     x_t = x_0 + sigma(t) eps,   sigma(t) = sigma_min (sigma_max / sigma_min)^t,
///     dx = g(t) dW with g(t) = sigma(t) sqrt(2 log(sigma_max / sigma_min)).
///
/// Training draws sigma from `sigmas` (log-uniform, the same law as t uniform on [0, 1], or the
/// NCSN ladder of fixed levels), and the network reads log sigma. Sampling starts from
/// N(0, sigma_max^2 I), which neglects the data's own spread against sigma_max.
public struct VarianceExploding: ContinuousProcess, RegisteredProcess {
    public let sigmas: SigmaDistribution

    public init(sigmas: SigmaDistribution) {
        precondition(sigmas.problem == nil, "VarianceExploding: \(sigmas.problem!)")
        self.sigmas = sigmas
    }

    public static let processName = "ve"
    public static let help = "x + sigma z with sigma from --sigma-min to --sigma-max (NCSN; the network reads log sigma)."

    public init(settings: ProcessSettings) { self.init(sigmas: settings.sigmas) }

    /// sigma_min and sigma_max, checked as Floats, and the ladder's levels when there is one.
    public init(metadata: MetadataReader) throws {
        let lo = try metadata.float("sigma_min"), hi = try metadata.float("sigma_max")
        guard lo < hi else { throw MetadataReader.Problem("metadata 'sigma_min' \(lo) is not below 'sigma_max' \(hi) as Floats") }
        let sigmas: SigmaDistribution
        if let ladder = metadata["sigma_ladder"] {
            let entries = ladder.split(separator: ",", omittingEmptySubsequences: false)
            let levels = entries.compactMap { Float($0) }
            guard !levels.isEmpty, levels.count == entries.count else {
                throw MetadataReader.Problem("metadata 'sigma_ladder' is not a list of Floats")
            }
            sigmas = .ladder(levels)
        } else {
            sigmas = .logUniform(min: lo, max: hi)
        }
        if let problem = sigmas.problem {
            throw MetadataReader.Problem("metadata '\(metadata["sigma_ladder"] == nil ? "sigma_min" : "sigma_ladder")': \(problem)")
        }
        self.init(sigmas: sigmas)
    }

    public var metadata: [String: String] {
        var out = ["process": name, "sigma_min": String(Float(sigmaMin)), "sigma_max": String(Float(sigmaMax))]
        if case let .ladder(levels) = sigmas { out["sigma_ladder"] = levels.map { String($0) }.joined(separator: ",") }
        return out
    }

    public var additiveSigmas: SigmaDistribution? { sigmas }
    public func standardConditioning(timeEmbedding: Int) -> Conditioning { .logSigma }
    public var standardParameterisation: OutputParameterisation { .score }

    public var sigmaMin: Double { Double(sigmas.range.lowerBound) }
    public var sigmaMax: Double { Double(sigmas.range.upperBound) }
    public var name: String { Self.processName }
    public var summary: String {
        switch sigmas {
        case .logUniform: return "variance exploding, sigma from \(sigmas.range.lowerBound) to \(sigmas.range.upperBound) (log-uniform)"
        case let .ladder(levels): return "variance exploding, a ladder of \(levels.count) sigmas from \(sigmas.range.lowerBound) to \(sigmas.range.upperBound)"
        }
    }
    public var steps: Int? { nil }
    public var earliestTime: Double { 0 }
    public var priorStandardDeviation: Double { sigmaMax }

    public func sigma(at t: Double) -> Double { sigmaMin * pow(sigmaMax / sigmaMin, t) }

    /// The time at which sigma(t) = sigma.
    public func time(ofSigma sigma: Double) -> Double {
        sigmaMax > sigmaMin ? log(sigma / sigmaMin) / log(sigmaMax / sigmaMin) : 1
    }

    public func level(at t: Double) -> NoiseLevel { NoiseLevel(time: t, alpha: 1, sigma: sigma(at: t)) }

    public func trainingLevel(uniform u: Float) -> NoiseLevel {
        let s = Double(sigmas.sigma(uniform: u))
        return NoiseLevel(time: time(ofSigma: s), alpha: 1, sigma: s)
    }

    public func sde(at t: Double) -> (drift: Double, diffusion: Double) {
        (0, sigma(at: t) * (2 * log(sigmaMax / sigmaMin)).squareRoot())
    }
}
