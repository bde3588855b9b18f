import ArgumentParser
import ScoreKit

extension VariancePreserving.Schedule: ExpressibleByArgument {}
extension OutputParameterisation: ExpressibleByArgument {}

/// The forward processes by name, as the tools offer them.
public enum ProcessKind: String, CaseIterable, ExpressibleByArgument, Sendable {
    case ve, vp, vpSDE = "vp-sde", subVPSDE = "subvp-sde"
}

/// Which forward process to train on, and how the network is conditioned and parameterised.
public struct ProcessOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Forward process: ve, vp, vp-sde or subvp-sde.",
        discussion: """
            ve: x + sigma z with sigma from --sigma-min to --sigma-max (NCSN; the network reads log sigma). \
            vp: DDPM's chain of --timesteps steps with the --schedule of beta. \
            vp-sde / subvp-sde: the continuous VP and sub-VP SDEs, beta(t) linear from 0.1 to 20. \
            The vp processes condition the network on a sinusoidal embedding of t (--time-embedding).
            """))
    public var process: ProcessKind = .ve

    @Option(name: .long, help: "vp: the beta schedule, linear (1e-4 to 0.02 at T = 1000) or cosine.")
    public var schedule: VariancePreserving.Schedule = .linear

    @Option(name: .long, help: "vp: the chain's steps T.")
    public var timesteps = 1000

    @Option(name: .long, help: "What the network outputs: score (s = f / sigma) or eps (the noise; s = -f / sigma). Default: score for ve, eps for the vp processes.")
    public var parameterisation: OutputParameterisation?

    @Option(name: .long, help: "Width of the sinusoidal time embedding of the vp processes (even, 2 to 64).")
    public var timeEmbedding = 32

    public init() {}

    public func validate() throws {
        guard timesteps >= 2 && timesteps <= 100_000 else { throw ValidationError("--timesteps must lie in 2...100000, got \(timesteps)") }
        guard timeEmbedding >= 2 && timeEmbedding <= 64 && timeEmbedding % 2 == 0 else {
            throw ValidationError("--time-embedding must be even, 2 to 64, got \(timeEmbedding)")
        }
    }

    /// The process; `sigmas` are the levels of a ve process.
    public func make(sigmas: SigmaDistribution) -> any ForwardProcess {
        switch process {
        case .ve: return VarianceExploding(sigmas: sigmas)
        case .vp: return VariancePreserving(steps: timesteps, schedule: schedule)
        case .vpSDE: return VariancePreservingSDE()
        case .subVPSDE: return SubVariancePreservingSDE()
        }
    }

    /// The network for data of `dimension` dimensions on this process.
    public func configuration(dimension: Int, hiddenWidth: Int, hiddenLayers: Int) -> MLPConfiguration {
        MLPConfiguration(dimension: dimension, hiddenWidth: hiddenWidth, hiddenLayers: hiddenLayers,
                         conditioning: process == .ve ? .logSigma : .time(width: timeEmbedding),
                         parameterisation: parameterisation ?? (process == .ve ? .score : .noise))
    }
}
