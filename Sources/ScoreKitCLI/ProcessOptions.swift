import ArgumentParser
import ScoreKit

extension VariancePreserving.BetaSchedule: ExpressibleByArgument {}
extension OutputParameterisation: ExpressibleByArgument {}

/// A forward process named on the command line: any that `ProcessRegistry` holds.
public struct ProcessChoice: ExpressibleByArgument, Sendable {
    public let type: any RegisteredProcess.Type

    public init(_ type: any RegisteredProcess.Type) { self.type = type }

    public init?(argument: String) {
        guard let type = ProcessRegistry.type(named: argument) else { return nil }
        self.type = type
    }

    public var name: String { type.processName }
    public var defaultValueDescription: String { name }
    public static var allValueStrings: [String] { ProcessRegistry.names }
}

/// Which forward process to train on, and how the network is conditioned and parameterised.
public struct ProcessOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The forward process.",
        discussion: ProcessRegistry.processes.map { "\($0.processName): \($0.help)" }.joined(separator: " ")
            + " All but ve condition the network on a sinusoidal embedding of t (--time-embedding)."))
    public var process = ProcessChoice(VarianceExploding.self)

    @Option(name: .long, help: "vp: the beta schedule, linear (1e-4 to 0.02 at T = 1000) or cosine.")
    public var schedule: VariancePreserving.BetaSchedule = .linear

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
        process.type.init(settings: ProcessSettings(sigmas: sigmas, timesteps: timesteps, schedule: schedule))
    }

    /// The network for data of `dimension` dimensions on `process`, conditioned and parameterised
    /// as the process does by default unless --parameterisation says otherwise.
    public func configuration(for process: any ForwardProcess, dimension: Int, hiddenWidth: Int, hiddenLayers: Int) -> MLPConfiguration {
        MLPConfiguration(dimension: dimension, hiddenWidth: hiddenWidth, hiddenLayers: hiddenLayers,
                         conditioning: process.standardConditioning(timeEmbedding: timeEmbedding),
                         parameterisation: parameterisation ?? process.standardParameterisation)
    }
}
