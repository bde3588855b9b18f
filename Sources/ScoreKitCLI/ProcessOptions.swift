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

/// Which forward process to train on, and how the network is conditioned and parameterised:
/// each option given replaces its field of a `RunConfiguration`.
public struct ProcessOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The forward process (default: \(RunConfiguration.standard.process.name); vp for images).",
        discussion: ProcessRegistry.processes.map { "\($0.processName): \($0.help)" }.joined(separator: " ")
            + " All but ve condition the network on a sinusoidal embedding of t (--time-embedding)."))
    public var process: ProcessChoice?

    @Option(name: .long, help: "vp: the beta schedule, linear (1e-4 to 0.02 at T = 1000, the default) or cosine.")
    public var schedule: VariancePreserving.BetaSchedule?

    @Option(name: .long, help: "vp: the chain's steps T (default: \(RunConfiguration.standard.process.timesteps)).")
    public var timesteps: Int?

    @Option(name: .long, help: "What the network outputs: score (s = f / sigma) or eps (the noise; s = -f / sigma). Default: score for ve, eps for the vp processes.")
    public var parameterisation: OutputParameterisation?

    @Option(name: .long, help: "Width of the sinusoidal time embedding of the vp processes (even, 2 to 64; default: \(RunConfiguration.standard.network.timeEmbedding)).")
    public var timeEmbedding: Int?

    public init() {}

    public func validate() throws {
        if let timesteps { try Limits.check(timesteps, "--timesteps", in: 2...Limits.timesteps) }
        if let timeEmbedding { try Limits.checkTimeEmbedding(timeEmbedding) }
    }

    /// `run` with the options given here.
    public func apply(to run: inout RunConfiguration) {
        if let process { run.process.name = process.name }
        if let schedule { run.process.betaSchedule = schedule }
        if let timesteps { run.process.timesteps = timesteps }
        if let parameterisation { run.network.parameterisation = parameterisation }
        if let timeEmbedding { run.network.timeEmbedding = timeEmbedding }
    }
}
