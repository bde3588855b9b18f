/// The settings the tools build a process from (each process reads the ones it has).
public struct ProcessSettings: Sendable {
    /// The levels of variance-exploding noise.
    public var sigmas: SigmaDistribution
    /// A chain's steps T.
    public var timesteps: Int
    /// A chain's beta schedule.
    public var schedule: VariancePreserving.BetaSchedule

    public init(sigmas: SigmaDistribution, timesteps: Int = 1000, schedule: VariancePreserving.BetaSchedule = .linear) {
        self.sigmas = sigmas
        self.timesteps = timesteps
        self.schedule = schedule
    }
}

/// A process the tools and checkpoints know by name: it is built from the tools' settings and
/// read back from the metadata it writes (`ForwardProcess.metadata`).
public protocol RegisteredProcess: ForwardProcess {
    /// Its name in `--process` and in a checkpoint's `process` field.
    static var processName: String { get }
    /// One sentence for `--help`.
    static var help: String { get }
    init(settings: ProcessSettings)
    /// Reads the metadata this process writes; throws `MetadataReader.Problem` naming a bad field.
    init(metadata: MetadataReader) throws
}

/// Every forward process by name. Adding a process is its own file and one line in `processes`.
public enum ProcessRegistry {
    public static let processes: [any RegisteredProcess.Type] = [
        VarianceExploding.self, VariancePreserving.self, VariancePreservingSDE.self, SubVariancePreservingSDE.self,
    ]

    /// The names, in the order above.
    public static var names: [String] { processes.map { $0.processName } }

    /// The process named `name`, or nil.
    public static func type(named name: String) -> (any RegisteredProcess.Type)? {
        processes.first { $0.processName == name }
    }

    /// The process a checkpoint's metadata describes (its `process` field names it), refused
    /// when its noise levels leave `SigmaDistribution.usableRange` (each field can be valid
    /// alone: beta_min and earliest_time of 1e-46 give sigma 2e-46 at the earliest time).
    public static func process(from metadata: MetadataReader) throws -> any ForwardProcess {
        let name = metadata["process"] ?? ""
        guard let type = type(named: name) else {
            throw MetadataReader.Problem("metadata 'process' is \(name), expected \(names.joined(separator: ", "))")
        }
        let process = try type.init(metadata: metadata)
        let usable = SigmaDistribution.usableRange
        for t in [process.earliestTime, 1] {
            let sigma = process.level(at: t).sigma
            guard sigma.isFinite, usable.contains(Float(sigma)) else {
                throw MetadataReader.Problem("metadata of process '\(name)' gives sigma \(sigma) at t = \(t), outside \(usable.lowerBound)...\(usable.upperBound)")
            }
        }
        return process
    }
}
