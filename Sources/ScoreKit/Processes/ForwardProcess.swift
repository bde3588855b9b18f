import Foundation

/// A fixed forward process that turns data x_0 into noise, with the Gaussian marginal
///
///     x_t = alpha(t) x_0 + sigma(t) eps,   eps ~ N(0, I),   t in [0, 1],
///
/// (`level(at:)`), the distribution training draws levels from and the prior at t = 1 that sampling
/// starts from. A continuous process is a `ContinuousProcess`, with the SDE whose marginals these
/// are; a discrete chain (DDPM) is defined on its grid t_k = k / T only and has none, so
/// `continuous` is nil and the samplers that integrate an SDE cannot be built for it.
/// `ProcessRegistry` names every process for the tools and the checkpoint.
///
/// The exact marginal of a Gaussian mixture under any process is `GaussianMixture.marginal(at:)`.
public protocol ForwardProcess: Sendable {
    /// "ve", "vp", "subvp", ...: the name the tools and the checkpoint use.
    var name: String { get }
    /// A line for reports: the schedule and its parameters.
    var summary: String { get }
    /// Steps T of a discrete chain (levels at t = k / T, k = 1...T); nil for a continuous process.
    var steps: Int? { get }
    /// The earliest time training draws and samplers stop at: 1 / T for a chain; for a continuous
    /// process the small eps_t that keeps sigma(t) away from 0.
    var earliestTime: Double { get }
    /// alpha(t) and sigma(t). For a chain, t is rounded to its grid.
    func level(at t: Double) -> NoiseLevel
    /// The level of one training row from one uniform draw u in [0, 1).
    func trainingLevel(uniform u: Float) -> NoiseLevel
    /// This process with its SDE, or nil for a discrete chain.
    var continuous: (any ContinuousProcess)? { get }
    /// For a process that adds noise to x unscaled (alpha = 1): the law training draws sigma from,
    /// whose range annealed Langevin walks and with which the Hyvarinen objectives perturb. nil
    /// for the others.
    var additiveSigmas: SigmaDistribution? { get }
    /// Its name (`process`) and parameters as checkpoint metadata, read back by `ProcessRegistry`.
    var metadata: [String: String] { get }
    /// What a network trained on it reads: log sigma, or a time embedding of `timeEmbedding` features.
    func standardConditioning(timeEmbedding: Int) -> Conditioning
    /// What a network trained on it outputs unless told otherwise.
    var standardParameterisation: OutputParameterisation { get }
    /// The standard deviation s of the prior N(0, s^2 I) that sampling starts from: sigma_max for
    /// a variance-exploding process (the data's own spread neglected), 1 for a variance-preserving one.
    var priorStandardDeviation: Double { get }
}

extension ForwardProcess {
    public var continuous: (any ContinuousProcess)? { nil }
    public var additiveSigmas: SigmaDistribution? { nil }
    /// A time embedding, and the noise as output (DDPM's choice): every process but variance exploding.
    public func standardConditioning(timeEmbedding: Int) -> Conditioning { .time(width: timeEmbedding) }
    public var standardParameterisation: OutputParameterisation { .noise }

    /// `count` times from 1 down to `earliestTime`, evenly spaced; on a chain's grid, `count`
    /// distinct steps from T down to 1 as evenly spaced as the grid allows (DDIM's sub-sequence).
    /// `count` must not exceed a chain's T.
    public func timeGrid(count: Int) -> [Double] {
        precondition(count >= 1 && count <= (steps ?? .max), "timeGrid: \(count) times on a process of \(steps ?? 0) steps")
        guard count > 1 else { return [1] }
        guard let steps else {
            return (0..<count).map { i in
                let u = Double(i) / Double(count - 1)
                return (1 - u) + u * earliestTime
            }
        }
        return (0..<count).map { i in
            (Double(steps) - Double(steps - 1) * Double(i) / Double(count - 1)).rounded() / Double(steps)
        }
    }

    /// `count` levels geometric in sigma from sigma(1) down to sigma(earliest time): where to
    /// measure a model (evenly spaced times crowd a VP chain's levels near sigma = 1).
    public func levels(count: Int) -> [NoiseLevel] {
        let top = level(at: 1).sigma, bottom = level(at: earliestTime).sigma
        return (0..<count).map { i in
            level(ofSigma: count == 1 ? top : top * pow(bottom / top, Double(i) / Double(count - 1)))
        }
    }

    /// The level whose sigma(t) is `sigma` (sigma(t) increases with t): by bisection on t, to a
    /// relative 1e-12, clamped to [earliest time, 1]; on a chain, its nearest step.
    public func level(ofSigma sigma: Double) -> NoiseLevel {
        level(where: \.sigma, is: sigma)
    }

    /// The level whose noise-to-signal ratio sigma(t) / alpha(t) is `ratio` (k-diffusion's sigma;
    /// sigma itself for a variance-exploding process), found as `level(ofSigma:)` finds sigma.
    public func level(ofNoiseToSignal ratio: Double) -> NoiseLevel {
        level(where: { $0.sigma / $0.alpha }, is: ratio)
    }

    /// The level at which `key`, increasing in t, equals `target`.
    private func level(where key: (NoiseLevel) -> Double, is target: Double) -> NoiseLevel {
        var low = earliestTime, high = 1.0
        for _ in 0..<200 where high - low > 1e-12 * high {
            let mid = 0.5 * (low + high)
            if key(level(at: mid)) < target { low = mid } else { high = mid }
        }
        let t = 0.5 * (low + high)
        guard let steps else { return level(at: t) }
        let below = level(at: (t * Double(steps)).rounded(.down) / Double(steps)), above = level(at: (t * Double(steps)).rounded(.up) / Double(steps))
        return abs(key(below) - target) <= abs(key(above) - target) ? below : above
    }
}
