import ArgumentParser
import ScoreKit

/// The samplers by name, as the tools offer them.
public enum SamplerKind: String, CaseIterable, ExpressibleByArgument, Sendable, Codable {
    case annealedLangevin = "annealed-langevin", langevin, ddpm, ddpmSmall = "ddpm-small", ddim
    case reverseSDE = "reverse-sde", pc, odeHeun = "ode-heun", odeRK45 = "ode-rk45"

    /// What a model trained on `process` samples with unless told otherwise: annealed Langevin on
    /// the NCSN ladder, DDPM on its own chain, the reverse SDE on a continuous process.
    public static func standard(for process: any ForwardProcess) -> SamplerKind {
        if process.additiveSigmas != nil { return .annealedLangevin }
        return process.continuous == nil ? .ddpm : .reverseSDE
    }
}

/// How a sampler spaces its levels (`Schedule`'s constructors), by name.
public enum ScheduleKind: String, CaseIterable, ExpressibleByArgument, Sendable {
    case uniform, geometric, karras

    /// `count` levels of `process` spaced this way (Karras's with `rho`).
    func schedule(_ process: any ForwardProcess, count: Int, rho: Double) throws -> Schedule {
        switch self {
        case .uniform: try .uniform(process, count: count)
        case .geometric: try .geometric(process, count: count)
        case .karras: try .karras(process, count: count, rho: rho)
        }
    }
}

/// Which sampler draws the samples, and its settings.
public struct SamplerOptions: ParsableArguments {
    @Option(name: .customLong("samples"), help: "Samples to draw, all chains moving together as one batch (default: 10000; train-dsm on images, and sample on their checkpoints: 1000).")
    public var givenSamples: Int?

    /// --samples, else 10,000.
    public var samples: Int {
        get { givenSamples ?? RunConfiguration.standard.sampling.samples }
        set { givenSamples = newValue }
    }

    @Option(name: .long, help: ArgumentHelp(
        "Sampler: \(SamplerKind.allCasesString) (default: annealed-langevin for a ve model, ddpm for vp, reverse-sde for vp-sde and subvp-sde; a U-Net on images: \(UNetBudget.sampler.rawValue) over \(UNetBudget.samplingSteps) levels).",
        discussion: """
            annealed-langevin: --levels sigmas of a ve model, --steps-per-level steps each (ve only). \
            langevin: plain Langevin at the smallest level from U([-8, 8]^d), --sampling-steps steps of size --eps. \
            ddpm / ddpm-small: ancestral steps with the posterior variance beta_t / beta-tilde_t. \
            ddim: deterministic for --eta 0. These three run on any process: on a chain over --sampling-steps of its T steps. \
            reverse-sde: Euler-Maruyama; pc: reverse-diffusion predictor after --corrector-steps Langevin corrector steps \
            of signal-to-noise --snr; ode-heun / ode-rk45: the probability-flow ODE (RK45 adaptive, --rtol and --atol). \
            reverse-sde and the ODE need a continuous process (vp-sde, subvp-sde, ve).
            """))
    public var sampler: SamplerKind?

    @Option(name: .long, help: "Levels (network evaluations) of ddpm, ddim, reverse-sde, pc, ode-heun and langevin (default: a chain's T, else 1000; ode-heun 500).")
    public var samplingSteps: Int?

    @Option(name: .long, help: ArgumentHelp(
        "How ddpm, ddim, pc and reverse-sde space their levels: \(ScheduleKind.allCases.map(\.rawValue).joined(separator: ", ")).",
        discussion: "uniform: evenly in time (on a chain, DDIM's respacing of its T steps); geometric: geometric in sigma/alpha; "
            + "karras: Karras et al.'s rho-schedule in sigma/alpha (--rho), more levels at low noise."))
    public var samplingSchedule = ScheduleKind.uniform

    @Option(name: .long, help: "The karras schedule's rho (7 in Karras et al. 2022; 1 spaces sigma/alpha evenly).")
    public var rho = 7.0

    @Option(name: .long, help: "DDIM's stochasticity eta in [0, 1]; 0 is deterministic.")
    public var eta = 0.0

    @Option(name: .long, help: "Signal-to-noise ratio of the pc sampler's Langevin corrector.")
    public var snr = 0.16

    @Option(name: .long, help: "Langevin corrector steps per level of the pc sampler.")
    public var correctorSteps = 1

    @Option(name: .long, help: "Relative tolerance of ode-rk45.")
    public var rtol = 1e-5

    @Option(name: .long, help: "Absolute tolerance of ode-rk45.")
    public var atol = 1e-5

    @Option(name: .long, help: "annealed-langevin: noise levels, geometric from sigma-max down to sigma-min.")
    public var levels = 10

    @Option(name: .long, help: "annealed-langevin: Langevin steps per noise level (T).")
    public var stepsPerLevel = 100

    @Option(name: .long, help: "annealed-langevin: step size at the smallest level (level i uses eps * sigma_i^2 / sigma_L^2); langevin: the step size.")
    public var eps: Float = 2e-5

    @Flag(name: .long, inversion: .prefixedNo, help: "End with Tweedie's denoising step x0 = (x + sigma^2 s) / alpha at the last level.")
    public var denoise = true

    @Flag(name: .customLong("clip-denoised"), inversion: .prefixedNo, help: "ddpm, ddpm-small, ddim: clip every step's denoised estimate x0_hat to [-1, 1], the range of image data, as the reference DDPM sampler does (other samplers ignore it; off by default; train-dsm turns it on for fashion-mnist, and sample for its checkpoints).")
    public var givenClipDenoised: Bool?

    /// --[no-]clip-denoised, else off.
    public var clipDenoised: Bool {
        get { givenClipDenoised ?? RunConfiguration.standard.sampling.clipDenoised }
        set { givenClipDenoised = newValue }
    }

    public init() {}

    /// The most steps any sampler option takes: beyond it a run would last days or exhaust memory.
    public static let maximumSteps = 1_000_000

    public func validate() throws {
        if let givenSamples { try Limits.check(givenSamples, "--samples", in: 1...Limits.samples) }
        guard (1...100_000).contains(levels) else { throw ValidationError("--levels must lie in 1...100000, got \(levels)") }
        guard (1...Self.maximumSteps).contains(stepsPerLevel) else {
            throw ValidationError("--steps-per-level must lie in 1...\(Self.maximumSteps), got \(stepsPerLevel)")
        }
        guard eps > 0 && eps.isFinite else { throw ValidationError("--eps must be positive, got \(eps)") }
        if let samplingSteps, !(1...Self.maximumSteps).contains(samplingSteps) {
            throw ValidationError("--sampling-steps must lie in 1...\(Self.maximumSteps), got \(samplingSteps)")
        }
        guard (0...1).contains(eta) else { throw ValidationError("--eta must lie in [0, 1], got \(eta)") }
        guard snr > 0 && snr.isFinite else { throw ValidationError("--snr must be positive, got \(snr)") }
        guard rho > 0 && rho.isFinite && rho <= 1000 else { throw ValidationError("--rho must lie in (0, 1000], got \(rho)") }
        guard (1...1000).contains(correctorSteps) else { throw ValidationError("--corrector-steps must lie in 1...1000, got \(correctorSteps)") }
        guard rtol > 0 && rtol.isFinite && atol > 0 && atol.isFinite else {
            throw ValidationError("--rtol and --atol must be positive, got \(rtol) and \(atol)")
        }
    }

    /// These options with those not given taken from a training run's `sampling`: its sample
    /// count, clipping, sampler and levels.
    public func filling(from sampling: RunConfiguration.Sampling) -> SamplerOptions {
        var options = self
        options.givenSamples = givenSamples ?? sampling.samples
        options.givenClipDenoised = givenClipDenoised ?? sampling.clipDenoised
        options.sampler = sampler ?? sampling.sampler
        options.samplingSteps = samplingSteps ?? sampling.samplingSteps
        return options
    }

    /// The sampler for a model trained on `process`, or the reason the pairing cannot work.
    public func make(for process: any ForwardProcess) throws -> any ScoreSampler {
        let kind = sampler ?? SamplerKind.standard(for: process)
        do {
            switch kind {
            case .annealedLangevin:
                guard let sigmas = process.additiveSigmas else {
                    throw SamplerError("annealed-langevin walks a variance-exploding ladder; a \(process.name) model samples with ddpm, ddim or pc (whose corrector is Langevin)")
                }
                return AnnealedLangevin(sigmaMax: sigmas.range.upperBound, sigmaMin: sigmas.range.lowerBound, levels: levels,
                                        stepsPerLevel: stepsPerLevel, epsilon: eps, denoise: denoise)
            case .langevin:
                return try LangevinDynamics(level: process.level(at: process.earliestTime), steps: samplingSteps ?? 1000,
                                            stepSize: Double(eps), start: -8...8)
            case .ddpm, .ddpmSmall, .ddim:
                let rule: DiffusionStep = kind == .ddim ? .ddim(eta: eta) : .ancestral(largeVariance: kind == .ddpm)
                return try DiffusionSampler(process: process, rule: rule, schedule: levels(of: process, count: samplingSteps ?? process.steps ?? 1000),
                                            denoise: denoise, clip: clipDenoised ? -1...1 : nil)
            case .reverseSDE:
                let process = try continuous(process, for: "the reverse SDE")
                return ReverseSDE(process: process, schedule: try levels(of: process, count: (samplingSteps ?? 1000) + 1), denoise: denoise)
            case .pc:
                return PredictorCorrector(process: process, schedule: try levels(of: process, count: samplingSteps ?? process.steps ?? 1000),
                                          corrector: try LangevinCorrector(snr: snr, steps: correctorSteps), denoise: denoise)
            case .odeHeun:
                return try ProbabilityFlowODE(process: continuous(process, for: "the probability-flow ODE"), solver: .heun(steps: samplingSteps ?? 500), denoise: denoise)
            case .odeRK45:
                return try ProbabilityFlowODE(process: continuous(process, for: "the probability-flow ODE"), solver: .rk45(relativeTolerance: rtol, absoluteTolerance: atol), denoise: denoise)
            }
        } catch let error as SamplerError {
            throw ValidationError("--sampler \(kind.rawValue): \(error)")
        }
    }

    /// `count` levels of `process` spaced by --schedule.
    func levels(of process: any ForwardProcess, count: Int) throws -> Schedule {
        try samplingSchedule.schedule(process, count: count, rho: rho)
    }

    /// Draws the samples with a progress line; refuses to return NaN or infinite samples.
    public func draw(with sampler: any ScoreSampler, from score: some ScoreFunction, rng: inout RandomSource) throws -> SamplerRun {
        let progress = ProgressLine("sampling (\(sampler.name)): step", total: 0)
        let run = sampler.sample(count: samples, score: score, rng: &rng) { done, total in progress.update(done, of: total) }
        guard run.samples.isFinite else {
            throw RunFailure("\(sampler.name) produced NaN or infinite samples; try a smaller step (--eps), more steps or more training")
        }
        return run
    }
}

extension SamplerKind {
    static var allCasesString: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// `process` with its SDE, or the reason `what`, which integrates one, cannot run on it.
public func continuous(_ process: any ForwardProcess, for what: String) throws -> any ContinuousProcess {
    guard let continuous = process.continuous else {
        throw SamplerError("\(what) needs a continuous process; \(process.name) is a discrete chain (use ddpm or ddim, or --process vp-sde)")
    }
    return continuous
}
