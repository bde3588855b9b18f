import ArgumentParser
import Foundation
import ScoreKit

/// A training run as train-dsm defines it, typed: saved in every checkpoint as JSON
/// (`run.configuration`), compared field by field by `--resume`, and the one place the defaults
/// live, those for image data among them. The command line only changes fields of a base
/// configuration (`standard(for:)`, or a resumed run's).
public struct RunConfiguration: Codable, Equatable, Sendable {
    public struct Data: Codable, Equatable, Sendable {
        /// A built-in set, an image set or a file.
        public var name: String
        /// Points drawn from a built-in 2-D set.
        public var points: Int
    }

    public struct Objective: Codable, Equatable, Sendable {
        public var kind: ObjectiveKind
        public var projections: Int
        public var projection: Projection
        /// DSM's weighting of its levels; nil: sigma^2, and nothing saved (runs from before the
        /// option read the same).
        public var weighting: LossWeighting?
    }

    public struct Process: Codable, Equatable, Sendable {
        /// Its name in `ProcessRegistry`.
        public var name: String
        public var betaSchedule: VariancePreserving.BetaSchedule
        public var timesteps: Int
        public var sigmaMin: Float
        public var sigmaMax: Float
        /// Geometric levels of the NCSN ladder; 0 draws sigma log-uniformly.
        public var sigmaLevels: Int
    }

    public struct Optimiser: Codable, Equatable, Sendable {
        /// "adam", with PyTorch's other defaults.
        public var kind: String
        public var learningRate: Float
    }

    /// How long the run lasts and how often it saves and measures: kept by `--resume` unless given.
    public struct Length: Codable, Equatable, Sendable {
        public var trainSteps: Int
        public var checkpointEvery: Int
        public var evalEvery: Int
        public var divergenceFactor: Double
    }

    /// What the finished run draws: free to change on `--resume`.
    public struct Sampling: Codable, Equatable, Sendable {
        public var samples: Int
        public var clipDenoised: Bool
        /// The sampler unless the command line names one; nil: the process's standard sampler.
        public var sampler: SamplerKind?
        /// Its levels unless the command line gives them; nil: the sampler's default.
        public var samplingSteps: Int?
    }

    public var data: Data
    public var network: NetworkSettings
    public var objective: Objective
    public var process: Process
    public var optimiser: Optimiser
    public var batch: Int
    public var seed: UInt64
    /// Decay of the weight average sampled from; 0 keeps none.
    public var emaDecay: Float
    public var length: Length
    public var sampling: Sampling

    /// The defaults: 8 Gaussians, MLP(H = 128, L = 2) on the variance-exploding process, DSM, Adam
    /// at 1e-3, batch 512, EMA 0.999, 15,000 steps.
    public static let standard = RunConfiguration(
        data: Data(name: ToyDataset.eightGaussians.rawValue, points: 50_000),
        network: NetworkSettings(kind: MLPConfiguration.networkName, hiddenWidth: 128, hiddenLayers: 2, timeEmbedding: 32),
        objective: Objective(kind: .dsm, projections: 1, projection: .rademacher),
        process: Process(name: VarianceExploding.processName, betaSchedule: .linear, timesteps: 1000, sigmaMin: 0.01, sigmaMax: 10, sigmaLevels: 0),
        optimiser: Optimiser(kind: "adam", learningRate: 1e-3),
        batch: 512, seed: 0, emaDecay: 0.999,
        length: Length(trainSteps: 15_000, checkpointEvery: 1_000, evalEvery: 1_000, divergenceFactor: 1e4),
        sampling: Sampling(samples: 10_000, clipDenoised: false))

    /// The defaults for images (`images`: the built-in set, nil for images read from a file):
    /// the VP process, a network wide enough to predict every noise coordinate (H >= d: with
    /// H = 512 at d = 784 the noise at t = 1 was predicted with relative error 0.44 and DDPM
    /// samples grew to |x| ~ 100), batch 256, 1,000 samples, and no score error during training
    /// against a kernel-density proxy, which in 64 to 784 dimensions only measures the distance to
    /// the training images (the classifier measures stand in for it). Fashion-MNIST also samples
    /// with the denoised estimate clipped to [-1, 1]: without it the MLP's noise prediction errors
    /// accumulated over the chain to |x| ~ 10 after 3,000 steps; digits do not, since clipping
    /// raised their Frechet distance from 5.5 to 8.6.
    ///
    /// `network` is the kind the command line names; nil: the U-Net for Fashion-MNIST, which the
    /// MLP cannot model (Frechet distance 547 against the U-Net's 114.5), and the MLP elsewhere
    /// (on the digits it measures better in less time: 5.54 in 3 minutes against 7.27 in 6). A
    /// U-Net trains on a budget of about 30 minutes on 2 cores: `UNetBudget`.
    public static func forImages(_ images: ImageDataset?, network: String? = nil) -> RunConfiguration {
        var run = standard
        run.process.name = VariancePreserving.processName
        run.network.kind = network ?? (images == .fashionMNIST ? UNetConfiguration.networkName : MLPConfiguration.networkName)
        (run.network.hiddenWidth, run.network.hiddenLayers) = images == .fashionMNIST ? (1024, 2) : (512, 3)
        run.batch = 256
        run.sampling.samples = 1000
        run.length.evalEvery = 0
        run.sampling.clipDenoised = images == .fashionMNIST
        if run.network.kind == UNetConfiguration.networkName { UNetBudget.apply(to: &run) }
        return run
    }

    /// One field that defines the run, as `--resume` compares it: its option and value.
    public struct Setting: Equatable, Sendable {
        public let option: String
        public let value: String
    }

    /// The fields that define the run, in the order `--resume` checks them.
    public var definingSettings: [Setting] {
        [Setting(option: "--data", value: data.name), Setting(option: "--data-points", value: String(data.points)),
         Setting(option: "--objective", value: objective.kind.rawValue), Setting(option: "--projections", value: String(objective.projections)),
         Setting(option: "--projection", value: objective.projection.rawValue),
         Setting(option: "--min-snr", value: objective.weighting?.name ?? "(none)"), Setting(option: "--process", value: process.name),
         Setting(option: "--schedule", value: process.betaSchedule.rawValue), Setting(option: "--timesteps", value: String(process.timesteps)),
         Setting(option: "--parameterisation", value: network.parameterisation?.rawValue ?? "(the process's)"),
         Setting(option: "--time-embedding", value: String(network.timeEmbedding)), Setting(option: "--network", value: network.kind),
         Setting(option: "--batch", value: String(batch)), Setting(option: "--hidden", value: String(network.hiddenWidth)),
         Setting(option: "--layers", value: String(network.hiddenLayers)),
         Setting(option: "--channels", value: network.channels?.map(String.init).joined(separator: ",") ?? "(the default)"),
         Setting(option: "--blocks", value: network.blocks.map(String.init) ?? "(the default)"),
         Setting(option: "--attention", value: network.attention.map(String.init) ?? "(the default)"),
         Setting(option: "--dropout", value: network.dropout.map { String($0) } ?? "(the default)"), Setting(option: "--lr", value: String(optimiser.learningRate)), Setting(option: "--sigma-min", value: String(process.sigmaMin)),
         Setting(option: "--sigma-max", value: String(process.sigmaMax)), Setting(option: "--sigma-levels", value: String(process.sigmaLevels)),
         Setting(option: "--ema-decay", value: String(emaDecay)), Setting(option: "--seed", value: String(seed))]
    }

    /// Why `other` is not a continuation of this run: its first defining field that differs,
    /// named by its option; nil when every one agrees.
    public func difference(from other: RunConfiguration) -> String? {
        for (mine, theirs) in zip(definingSettings, other.definingSettings) where mine != theirs {
            return "--resume keeps the run's \(mine.option) \(mine.value); this command gives \(theirs.value)"
        }
        return nil
    }

    /// As saved in a checkpoint's metadata.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Every field is a string, a Bool or a number that `validate()` found finite: encoding
        // cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Throws the first field outside the bounds its option has (named by the option), so that a
    /// run read from a checkpoint is held to what the command line may ask for.
    public func validate() throws {
        try Limits.check(data.points, "--data-points", in: 1...Limits.dataPoints)
        try Limits.check(objective.projections, "--projections", in: 1...Limits.projections)
        if case .minSNR(let gamma) = objective.weighting {
            guard gamma > 0 && gamma.isFinite else { throw ValidationError("--min-snr must be positive and finite, got \(gamma)") }
            guard objective.kind == .dsm else { throw ValidationError("--min-snr weighs the levels of --objective dsm, not \(objective.kind.rawValue)") }
        }
        try Limits.check(process.timesteps, "--timesteps", in: 2...Limits.timesteps)
        guard process.sigmaLevels == 0 || (2...Limits.sigmaLevels).contains(process.sigmaLevels) else {
            throw ValidationError("--sigma-levels must be 0 or lie in 2...\(Limits.sigmaLevels), got \(process.sigmaLevels)")
        }
        if let problem = SigmaDistribution.logUniform(min: process.sigmaMin, max: process.sigmaMax).problem { throw ValidationError(problem) }
        try Limits.check(network)
        guard optimiser.kind == Self.standard.optimiser.kind else { throw ValidationError("the optimiser must be \(Self.standard.optimiser.kind), got '\(optimiser.kind)'") }
        guard optimiser.learningRate > 0 && optimiser.learningRate.isFinite else { throw ValidationError("--lr must be positive, got \(optimiser.learningRate)") }
        try Limits.check(batch, "--batch", in: 1...Limits.batch)
        guard emaDecay >= 0 && emaDecay < 1 else { throw ValidationError("--ema-decay must lie in [0, 1), got \(emaDecay)") }
        try Limits.check(length.trainSteps, "--train-steps", in: 1...Limits.trainingSteps)
        guard length.checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must not be negative, got \(length.checkpointEvery)") }
        guard length.evalEvery >= 0 else { throw ValidationError("--eval-every must not be negative, got \(length.evalEvery)") }
        guard length.divergenceFactor >= 0 && length.divergenceFactor.isFinite else {
            throw ValidationError("--divergence-factor must be 0 or positive and finite, got \(length.divergenceFactor)")
        }
        try Limits.check(sampling.samples, "--samples", in: 1...Limits.samples)
        if let steps = sampling.samplingSteps { try Limits.check(steps, "--sampling-steps", in: 1...SamplerOptions.maximumSteps) }
    }

    /// Reads a saved configuration, naming the checkpoint when it does not parse or holds a
    /// value its option would refuse.
    public init(json: String, file: String) throws {
        do {
            self = try JSONDecoder().decode(RunConfiguration.self, from: Foundation.Data(json.utf8))
        } catch {
            throw RunFailure("\(file): the saved run configuration does not parse (\(error))")
        }
        do {
            try validate()
        } catch {
            throw RunFailure("\(file): the saved run configuration is refused: \(error)")
        }
    }

    init(data: Data, network: NetworkSettings, objective: Objective, process: Process, optimiser: Optimiser,
         batch: Int, seed: UInt64, emaDecay: Float, length: Length, sampling: Sampling) {
        self.data = data
        self.network = network
        self.objective = objective
        self.process = process
        self.optimiser = optimiser
        self.batch = batch
        self.seed = seed
        self.emaDecay = emaDecay
        self.length = length
        self.sampling = sampling
    }

    /// The noise levels of a variance-exploding process: log-uniform, or the NCSN ladder.
    public var sigmas: SigmaDistribution {
        process.sigmaLevels == 0
            ? .logUniform(min: process.sigmaMin, max: process.sigmaMax)
            : .geometricLadder(min: process.sigmaMin, max: process.sigmaMax, levels: process.sigmaLevels)
    }

    /// The forward process, or the reason its name is unknown.
    public func makeProcess() throws -> any ForwardProcess {
        guard let type = ProcessRegistry.type(named: process.name) else {
            throw RunFailure("unknown process '\(process.name)': use one of \(ProcessRegistry.names.joined(separator: ", "))")
        }
        return type.init(settings: ProcessSettings(sigmas: sigmas, timesteps: process.timesteps, schedule: process.betaSchedule))
    }

    /// The network for data of `dimension` dimensions (images of `image`, for image data) on
    /// `process`, conditioned and parameterised as the process does by default unless the run
    /// says otherwise.
    public func networkConfiguration(for process: any ForwardProcess, dimension: Int, image: ImageShape?) throws -> any NetworkConfiguration {
        do {
            return try NetworkRegistry.configuration(settings: network, dimension: dimension, image: image,
                                                     conditioning: process.standardConditioning(timeEmbedding: network.timeEmbedding),
                                                     parameterisation: network.parameterisation ?? process.standardParameterisation)
        } catch let problem as NetworkSettings.Problem {
            throw RunFailure(problem.description)
        }
    }

    /// Tangent directions per row the objective will carry, for a memory estimate.
    public func tangents(dimension: Int) -> Int {
        switch objective.kind {
        case .dsm: return 0
        case .exact: return dimension
        case .ssm, .ssmVR: return objective.projections
        }
    }

    /// The objective on `process`: DSM on any process; the Hyvarinen objectives perturb with
    /// variance-exploding noise only, and refuse another process.
    public func makeObjective(process: any ForwardProcess, dimension: Int, network configuration: any NetworkConfiguration) throws -> any ScoreObjective {
        if tangents(dimension: dimension) > 0 && !configuration.supportsTangents {
            throw ValidationError("--objective \(objective.kind.rawValue) pushes directions through the network (J v), which --network \(network.kind) does not compute; use --objective dsm or --network mlp")
        }
        if objective.kind == .exact && dimension > Limits.exactScoreMatchingDimension {
            throw ValidationError("--objective exact pushes d = \(dimension) tangents through the network per row (\(dimension + 1) stacked passes a step, about \(dimension + 1) times DSM's cost); it is limited to d <= \(Limits.exactScoreMatchingDimension): use ssm-vr, whose --projections set the cost")
        }
        if objective.kind == .dsm { return DenoisingScoreMatching(process: process, dimension: dimension, weighting: objective.weighting ?? .noiseVariance) }
        guard let sigmas = process.additiveSigmas else {
            throw ValidationError("--objective \(objective.kind.rawValue) trains on variance-exploding noise only; use --objective dsm with --process \(process.name)")
        }
        return objective.kind.make(sigmas: sigmas, dimension: dimension, projections: objective.projections, projection: objective.projection)
    }
}
