import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitMPI
import ScoreKitStudies

@main
struct NoiseStudy: ScoreKitCommand {
    static let renamedOptions = [(old: "--steps", new: "--train-steps"), (old: "--quick", new: "--fast")]

    static let configuration = CommandConfiguration(
        commandName: "noise-study",
        abstract: "Why Gaussian noise? Denoising score matching with Gaussian, Laplace, uniform and Student-t noise and a blur-like contraction, measured.",
        discussion: """
            On a 2-D Gaussian mixture (whose corrupted density is known exactly for every process here): Vincent's \
            identity and Tweedie's formula checked by Monte Carlo for each kernel, then the same network trained by \
            DSM with each kernel's conditional score and by sliced score matching, at matched noise power and matched \
            steps; its score error against that kernel's exact corrupted score, and annealed Langevin samples \
            measured against the data. The same for a contraction toward the data mean, with and without a little \
            noise. Then each kernel's ladder sampled with its exact score over a grid of step sizes and steps per \
            level, beside the learned score, to split the sample loss into sampling and learning, and the exact \
            scores' far-field size. Writes a Markdown report and figures (about 11 minutes). --fast runs in seconds.

            Under mpirun the six corruptions are spread over the ranks (corruption i on rank i mod N) and rank 0 \
            writes the report; every number but the timings equals a one-process run's.
            """)

    @Option(name: .long, help: "Built-in mixture to study (ncsn-pair or 8gaussians).")
    var data = ToyDataset.eightGaussians.rawValue

    @Option(name: [.customLong("train-steps"), .customLong("steps")], help: "Training steps per kernel, the same for every kernel (--steps is the old spelling).")
    var steps = 8_000

    @Option(name: .long, help: "Monte Carlo pairs per identity check.")
    var pairs = 100_000

    @OptionGroup var report: ReportOptions

    @Option(name: .long, help: "Noise share eta / sigma of the contraction+noise degradation, in (0, 1).")
    var degradationNoise = 0.1

    @Flag(name: [.customLong("fast"), .customLong("quick")], help: "Seconds-long run for CI: 300 steps, 5,000 pairs, 1,000 samples.")
    var fast = false

    func validate() throws {
        guard let dataset = ToyDataset(rawValue: data), dataset.mixture != nil else {
            throw ValidationError("--data must be a built-in mixture (ncsn-pair or 8gaussians), got '\(data)'")
        }
        try Limits.check(steps, "--train-steps", in: 1...Limits.trainingSteps)
        try Limits.check(pairs, "--pairs", in: 2...100_000_000)
        guard degradationNoise > 0 && degradationNoise < 1 else {
            throw ValidationError("--degradation-noise must lie strictly between 0 and 1, got \(degradationNoise)")
        }
    }

    static let kernels: [any AdditiveNoise] = [GaussianNoise(sigma: 1), LaplaceNoise(sigma: 1),
                                                    UniformNoise(sigma: 1), StudentTNoise(sigma: 1)]

    /// The Gaussian ladder's Langevin step at its last level (the paper's toy value).
    static let langevinEpsilon: Float = 2e-5

    /// The smallest contraction a degradation's levels reach: its score grows like 1 / c.
    static let minimumContraction = 0.1

    /// The checks at one noise level: Vincent's identity (nil without a conditional score) and Tweedie.
    struct LevelCheck: Codable {
        let sigma: Double
        let identity: DenoisingIdentityCheck?
        let tweedie: TweedieCheck
    }

    /// One corruption trained with one objective, sampled and measured: the corruption, and what
    /// the run measured (whose fields read as the result's own).
    @dynamicMemberLookup
    struct KernelResult {
        let kernel: any Corruption
        let measured: Measured

        subscript<Value>(dynamicMember field: KeyPath<Measured, Value>) -> Value { measured[keyPath: field] }
    }

    /// What one run measured: everything in a `KernelResult` but the corruption, so that it can
    /// travel between ranks.
    struct Measured: Codable {
        let objective: String
        let scaling: OutputScaling
        let checks: [LevelCheck]
        let errorLevels: [Float]
        let scoreErrors: [Double]
        let curveLevels: [Float]
        let curveErrors: [Double]
        let quality: SampleQuality
        let secondsPerStep: Double
        let samples: Matrix

        /// The score error at 8 levels across the training range, for the figure.
        var fisherCurve: [(sigma: Float, relativeError: Double)] { zip(curveLevels, curveErrors).map { ($0, $1) } }
    }

    /// What one corruption adds to the report: its runs, its sampler checks, its schedule grid
    /// (additive kernels), and its score-field figure, drawn where the network is.
    struct CorruptionStudy: Codable {
        let runs: [Measured]
        let samplerChecks: [SamplerCheck]
        let schedules: [ScheduleRun]
        let fieldFigure: String
    }

    /// Sample quality from one sampler on one process: with the exact score (no learning error),
    /// or with a variant of the usual sampler.
    struct SamplerCheck: Codable {
        let process: String
        let sampler: String
        let quality: SampleQuality
    }

    /// What every run shares: the data, the budgets and the reference samples.
    struct Setup {
        let mixture: GaussianMixture
        let trainingData: Matrix
        let comparison: Matrix
        let holdout: Matrix
        let trainSteps: Int
        let checkPairs: Int
        let sampleCount: Int
        let images: String

        /// Samples measured against fresh data (and the mixture's modes).
        func quality(of samples: Matrix, rng: inout RandomSource) -> SampleQuality {
            SampleQuality(samples: samples, data: comparison, holdout: holdout, mixture: mixture, rng: &rng)
        }
    }

    func execute() throws {
        let dataset = ToyDataset(rawValue: data)!, mixture = dataset.mixture!
        let sampleCount = fast ? 1_000 : 5_000
        let group = ProcessGroup.world
        var root = RandomSource(seed: report.seed)
        var dataRng = root.split()
        if group.isLeader { try report.prepare() }
        let images = report.images
        let setup = Setup(mixture: mixture, trainingData: mixture.sample(count: 50_000, rng: &dataRng),
                          comparison: mixture.sample(count: sampleCount, rng: &dataRng), holdout: mixture.sample(count: sampleCount, rng: &dataRng),
                          trainSteps: fast ? 300 : steps, checkPairs: fast ? 5_000 : pairs, sampleCount: sampleCount, images: images)
        let sigmaMin: Float = 0.02, sigmaMax: Float = 8, checkLevels = [0.3, 1.5], errorLevels: [Float] = [0.1, 0.5, 2]
        let degradations = [LinearDegradation(around: mixture, noiseFraction: 0), LinearDegradation(around: mixture, noiseFraction: degradationNoise)]
        let corruptions: [any Corruption] = Self.kernels + degradations
        let generators = corruptions.map { _ in root.split() }
        let studies = try group.distribute(corruptions.count) { index in
            if let kernel = corruptions[index] as? any AdditiveNoise {
                return try study(kernel: kernel, setup: setup, range: (sigmaMin, sigmaMax), checkLevels: checkLevels, errorLevels: errorLevels,
                                 rng: generators[index])
            }
            return try study(degradation: corruptions[index] as! LinearDegradation, setup: setup, sigmaMin: sigmaMin,
                             checkLevels: checkLevels, errorLevels: errorLevels, rng: generators[index])
        }
        var compositionRng = root.split()
        guard group.isLeader else { return group.finish() }
        for (corruption, study) in zip(corruptions, studies) {
            try FigureFile.write(svg: study.fieldFigure, to: (images as NSString).appendingPathComponent("noise-field-\(Self.fileName(corruption.name)).svg"))
        }
        func results(_ range: Range<Int>) -> [KernelResult] {
            range.flatMap { index in studies[index].runs.map { KernelResult(kernel: corruptions[index], measured: $0) } }
        }
        let compositionSamples = fast ? 5_000 : 50_000
        let composition = Self.kernels.map { CompositionCheck(kernel: $0, samples: compositionSamples, rng: &compositionRng) }
            + [CompositionCheck(degradation: degradations[1], sigma: checkLevels.last!, samples: compositionSamples, rng: &compositionRng)]
        let tails = [1, sigmaMax].flatMap { Self.scoreTails(kernels: Self.kernels, mixture: mixture, sigma: $0, reach: Double(6 * sigmaMax)) }
        try write(results(0..<Self.kernels.count), degraded: results(Self.kernels.count..<corruptions.count),
                  samplerChecks: studies.flatMap(\.samplerChecks), schedules: studies.flatMap(\.schedules), tails: tails, composition: composition,
                  setup: setup, checkLevels: checkLevels, errorLevels: errorLevels, sigmaRange: (sigmaMin, sigmaMax))
        group.finish()
    }

    /// An additive kernel: its checks and runs, the ladder's sampler with the exact score, the
    /// schedule grid, and for Gaussian noise the DSM samples moved by Tweedie's last step.
    func study(kernel: any AdditiveNoise, setup: Setup, range: (min: Float, max: Float), checkLevels: [Double], errorLevels: [Float],
               rng generator: RandomSource) throws -> CorruptionStudy {
        var rng = generator
        let sampler = AnnealedLangevin(sigmaMax: range.max, sigmaMin: range.min, stepsPerLevel: fast ? 20 : 100,
                                       epsilon: Self.langevinEpsilon, denoise: false)
        let sample = { (score: any ScoreFunction, rng: inout RandomSource) in sampler.sample(count: setup.sampleCount, score: score, rng: &rng).samples }
        let (runs, scores, figure) = try study(kernel, setup: setup, range: range, checkLevels: checkLevels, errorLevels: errorLevels,
                                               scalings: [.noiseLevel], rng: &rng, sample: sample)
        // The same sampler with the exact perturbed score: what it loses with no learning error.
        var checks = [SamplerCheck(process: kernel.name, sampler: "exact score",
                                   quality: setup.quality(of: sample(kernel.corrupted(setup.mixture), &rng), rng: &rng))]
        // The learned score of the grid: DSM's where Vincent's identity holds, else SSM-VR's.
        let learned = runs.indices.first { runs[$0].checks.allSatisfy { $0.identity?.holds ?? false } } ?? runs.count - 1
        let schedules = scheduleRuns(kernel: kernel, learned: scores[learned], setup: setup, range: range, rng: &rng)
        if kernel is GaussianNoise {
            // The DSM run's own samples, moved by the last step: the difference is the step's alone.
            let index = runs.lastIndex { $0.objective == "dsm" }!, dsm = runs[index]
            let moved = scores[index].scores(dsm.samples, sigma: range.min)
            var denoised = dsm.samples, move = 0.0
            for i in 0..<denoised.rows {
                let before = denoised.row(i).map(Double.init)
                let row = kernel.denoised(before, score: moved.row(i).map(Double.init), sigma: Double(range.min))
                move += zip(row, before).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() / Double(denoised.rows)
                for j in 0..<denoised.columns { denoised[i, j] = Float(row[j]) }
            }
            checks.append(SamplerCheck(process: kernel.name, sampler: String(format: "DSM, then Tweedie's last step (mean move %.4f)", move),
                                       quality: setup.quality(of: denoised, rng: &rng)))
        }
        return CorruptionStudy(runs: runs, samplerChecks: checks, schedules: schedules, fieldFigure: figure)
    }

    /// A contraction toward the data mean: its checks and runs under both output scalings, and
    /// its sampler with the exact score.
    func study(degradation: LinearDegradation, setup: Setup, sigmaMin: Float, checkLevels: [Double], errorLevels: [Float],
               rng generator: RandomSource) throws -> CorruptionStudy {
        var rng = generator
        let top = Float(degradation.sigma(forContraction: Self.minimumContraction))
        let sampler = DegradationLangevin(degradation: degradation, sigmas: geometricLevels(from: top, to: sigmaMin, count: 10),
                                          stepsPerLevel: fast ? 20 : 100)
        let sample = { (score: any ScoreFunction, rng: inout RandomSource) in sampler.sample(count: setup.sampleCount, score: score, rng: &rng).samples }
        let (runs, _, figure) = try study(degradation, setup: setup, range: (sigmaMin, top), checkLevels: checkLevels.filter { $0 < Double(top) },
                                          errorLevels: errorLevels.filter { $0 < top } + [top], scalings: [.corruption, .noiseLevel],
                                          rng: &rng, sample: sample)
        let check = SamplerCheck(process: degradation.name, sampler: "exact score",
                                 quality: setup.quality(of: sample(degradation.corrupted(setup.mixture), &rng), rng: &rng))
        return CorruptionStudy(runs: runs, samplerChecks: [check], schedules: [], fieldFigure: figure)
    }

    /// The identity and Tweedie checks for one corruption, then the same network trained by DSM
    /// (where the corruption has a conditional score) and by SSM-VR under each output scaling,
    /// each measured and sampled; returns the runs, their trained scores and the first run's
    /// score-field figure (SVG).
    func study(_ kernel: any Corruption, setup: Setup, range: (min: Float, max: Float), checkLevels: [Double], errorLevels: [Float],
               scalings: [OutputScaling], rng: inout RandomSource,
               sample: (any ScoreFunction, inout RandomSource) -> Matrix) throws -> (runs: [Measured], scores: [NetworkScore], figure: String) {
        let mixture = setup.mixture, exact = kernel.corrupted(mixture)
        let checks = checkLevels.map { level in
            LevelCheck(sigma: level,
                       identity: kernel.hasConditionalScore
                           ? DenoisingIdentityCheck(mixture: mixture, kernel: kernel, sigma: level,
                                                    scores: DenoisingIdentityCheck.probeFields(exact: exact, sigma: level), samples: setup.checkPairs, rng: &rng)
                           : nil,
                       tweedie: TweedieCheck(mixture: mixture, kernel: kernel, sigma: level, samples: setup.checkPairs, rng: &rng))
        }
        let sigmas = SigmaDistribution.logUniform(min: range.min, max: range.max)
        // DSM needs the kernel's conditional score; SSM-VR on the same corrupted data needs none.
        let objectives = scalings.flatMap { scaling -> [any ScoreObjective] in
            (kernel.hasConditionalScore ? [CorruptionDenoisingScoreMatching(corruption: kernel, sigmas: sigmas, scaling: scaling, dimension: 2)] : [])
                + [HyvarinenScoreMatching(estimator: .slicedVarianceReduced(projections: 1, .rademacher),
                                          data: .corrupted(kernel, sigmas), scaling: scaling, dimension: 2)]
        }
        var runs: [Measured] = [], scores: [NetworkScore] = [], figure = ""
        for objective in objectives {
            let scaling = (objective as? CorruptionDenoisingScoreMatching)?.scaling ?? (objective as! HyvarinenScoreMatching).scaling
            var modelRng = RandomSource(seed: report.seed &+ 1)
            let trainer = ScoreTrainer(model: ScoreMLP(configuration: .init(dimension: 2, hiddenWidth: 128, hiddenLayers: 2), rng: &modelRng),
                                       data: setup.trainingData, objective: objective, batchSize: 256,
                                       // A 0.999 average needs thousands of steps to forget the initial weights.
                                       emaDecay: fast ? nil : 0.999, rng: rng.split())
            let label = objective is HyvarinenScoreMatching ? "ssm-vr" : "dsm"
            let secondsPerStep = try trainer.train(steps: setup.trainSteps, label: "\(kernel.name) \(label)\(scalings.count > 1 && scaling == .noiseLevel ? " (tau = sigma)" : "")").secondsPerStep
            let score = NetworkScore(model: trainer.samplingModel, outputScale: scaling == .corruption ? kernel.outputScale : nil)
            let scoreErrors = ScoreError.relative(of: score, target: exact, sigmas: errorLevels, samples: 2000, rng: &rng)
            let curveLevels = geometricLevels(from: range.max, to: range.min, count: 8)
            let curveErrors = ScoreError.relative(of: score, target: exact, sigmas: curveLevels, samples: fast ? 300 : 1000, rng: &rng)
            if objective === objectives[0] {
                figure = Figures.scoreField(learned: score, exact: exact, over: setup.comparison, at: NoiseLevel(sigma: 0.3),
                                            title: "\(kernel.name), sigma = 0.3: learned (\(label.uppercased())) and exact score").svg
            }
            let samples = sample(score, &rng)
            let quality = setup.quality(of: samples, rng: &rng)
            runs.append(Measured(objective: label, scaling: scaling, checks: checks, errorLevels: errorLevels, scoreErrors: scoreErrors,
                                 curveLevels: curveLevels, curveErrors: curveErrors, quality: quality, secondsPerStep: secondsPerStep, samples: samples))
            scores.append(score)
        }
        return (runs, scores, figure)
    }

    /// A kernel's name as it appears in figure file names ("contraction+noise" becomes "contraction-noise").
    static func fileName(_ name: String) -> String { name.replacingOccurrences(of: "+", with: "-") }
}
