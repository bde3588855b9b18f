import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitMPI
import ScoreKitStudies

@main
struct CompareSamplers: ScoreKitCommand {
    static let renamedOptions = [(old: "--steps", new: "--sampling-steps"), (old: "--quick", new: "--fast")]

    static let configuration = CommandConfiguration(
        commandName: "compare-samplers",
        abstract: "Compare every sampler on a variance-exploding and a variance-preserving model, against the number of network evaluations.",
        discussion: """
            Trains the same network by DSM on the VE process (sigma 0.01 to 10, log sigma conditioning) and on the \
            VP SDE (eps-prediction, time embedding), on 8 Gaussians and on two moons. Samples each model with every \
            sampler the process allows at each --sampling-steps, and measures the samples (sliced W2, MMD^2, and for the \
            mixture the mode weights) beside fresh data of the same size; then each model's test-set negative \
            log-likelihood through the probability-flow ODE beside the exact one where the density is known. \
            Writes samplers.md and its figures (images/samplers-*.svg).

            Under mpirun the four models (two data sets, two processes) and their sampler runs are spread \
            over the ranks and rank 0 writes the report; every number but the timings equals a one-process run's.
            """)

    @Option(name: [.customLong("sampling-steps"), .customLong("steps")], parsing: .upToNextOption,
            help: "Sampler step counts to compare (--steps is the old spelling).")
    var steps: [Int] = [10, 20, 50, 100, 1000]

    @Option(name: .long, help: "Samples per sampler run.")
    var samples = 5000

    @Option(name: .long, help: "Training steps per model.")
    var trainSteps = 15_000

    @Option(name: .long, help: "Test points for the negative log-likelihood.")
    var testPoints = 1000

    @OptionGroup var report: ReportOptions

    @Flag(name: [.customLong("fast"), .customLong("quick")], help: "Seconds-long smoke run: 300 training steps, 300 samples, steps 10 and 50, 100 test points.")
    var fast = false

    func validate() throws {
        guard !steps.isEmpty, steps.allSatisfy({ $0 >= 2 && $0 <= 100_000 }) else { throw ValidationError("--sampling-steps must lie in 2...100000") }
        guard samples >= 10 && samples <= 20_000 else { throw ValidationError("--samples must lie in 10...20000, got \(samples)") }
        try Limits.check(trainSteps, "--train-steps", in: 1...Limits.trainingSteps)
        try Limits.check(testPoints, "--test-points", in: 1...1_000_000)
    }

    /// A trained model and its likelihood.
    struct Model: Codable {
        let label: String
        let dataset: ToyDataset
        let trainingSeconds: Double
        let negativeLogLikelihood: Double
        let exactNegativeLogLikelihood: Double?
        let likelihoodEvaluations: Int
    }

    /// What a run with the mixture's exact score adds to its model's label.
    static let exactSuffix = ", exact score"

    /// One sampler run, measured.
    struct Run: Codable {
        let model: String
        let dataset: ToyDataset
        let sampler: String
        let steps: Int
        let evaluations: Int
        let seconds: Double
        let slicedW2: Double
        let mmd: Double
        let modeTV: Double?
        let samples: Matrix
    }

    /// The data sets and their fresh-data references at the run's sample size: SW2 against 20,000
    /// points, MMD^2 against `mmdData`, as many points as the samples (its cost is quadratic).
    struct Reference {
        let data: Matrix
        let mmdData: Matrix
        /// The mean over five fresh draws, and their smallest and largest: the measure's own noise.
        let slicedW2: Double
        let slicedW2Range: ClosedRange<Double>
        let mmd: Double
        let modeTV: Double?
        let bandwidth: Double
    }

    /// One model to train and sample: a data set and a process, with the generator it draws from.
    struct Unit {
        let dataset: ToyDataset
        let label: String
        let process: any ContinuousProcess
        let configuration: MLPConfiguration
        let train: Matrix
        let test: Matrix
        let rng: RandomSource
    }

    /// What one unit adds to the report.
    struct UnitResult: Codable {
        let model: Model
        let runs: [Run]
    }

    func execute() throws {
        let stepCounts = fast ? [10, 50] : steps, sampleCount = fast ? 300 : samples
        let training = fast ? 300 : trainSteps, testCount = fast ? 100 : testPoints
        let group = ProcessGroup.world
        if group.isLeader { try report.prepare() }
        let images = report.images
        var root = RandomSource(seed: report.seed)
        var units: [Unit] = [], references: [ToyDataset: Reference] = [:]
        for dataset in [ToyDataset.eightGaussians, .twoMoons] {
            var dataRng = root.split()
            let train = dataset.sample(count: 50_000, rng: &dataRng), test = dataset.sample(count: testCount, rng: &dataRng)
            let data = dataset.sample(count: 20_000, rng: &dataRng), fresh = dataset.sample(count: sampleCount, rng: &dataRng)
            let mmdData = data.gatherRows(Array(0..<sampleCount))
            let bandwidth = MaximumMeanDiscrepancy.medianHeuristic(data, data, rng: &dataRng)
            let freshSW = (0..<5).map { _ in SlicedWasserstein.distance(dataset.sample(count: sampleCount, rng: &dataRng), data, rng: &dataRng) }
            references[dataset] = Reference(data: data, mmdData: mmdData, slicedW2: freshSW.reduce(0, +) / 5, slicedW2Range: freshSW.min()!...freshSW.max()!,
                                            mmd: MaximumMeanDiscrepancy(fresh, mmdData, bandwidth: bandwidth, permutations: 0, rng: &dataRng).squared,
                                            modeTV: dataset.mixture.map { ModeWeights(of: fresh, mixture: $0).totalVariation }, bandwidth: bandwidth)
            let processes: [(String, any ContinuousProcess, MLPConfiguration)] = [
                ("VE", VarianceExploding(sigmas: .logUniform(min: 0.01, max: 10)), MLPConfiguration(dimension: 2, hiddenWidth: 128, hiddenLayers: 2)),
                ("VP", VariancePreservingSDE(),
                 MLPConfiguration(dimension: 2, hiddenWidth: 128, hiddenLayers: 2, conditioning: .time(width: 32), parameterisation: .noise)),
            ]
            for (label, process, configuration) in processes {
                units.append(Unit(dataset: dataset, label: label, process: process, configuration: configuration, train: train, test: test, rng: root.split()))
            }
        }
        let results = try group.distribute(units.count) { index in
            try study(units[index], reference: references[units[index].dataset]!, stepCounts: stepCounts, sampleCount: sampleCount, trainingSteps: training)
        }
        for run in results.flatMap(\.runs) {
            printNow(String(format: "%@ %@ %@ %d steps: NFE %d, SW2 %.4f (%.2f s)", run.model, run.dataset.rawValue, run.sampler,
                            run.steps, run.evaluations, run.slicedW2, run.seconds))
        }
        if group.isLeader {
            try write(models: results.map(\.model), runs: results.flatMap(\.runs), references: references, stepCounts: stepCounts,
                      sampleCount: sampleCount, trainingSteps: training, testCount: testCount, images: images)
        }
        group.finish()
    }

    /// Trains `unit`'s model, then runs every sampler its process allows on the learned score and,
    /// for a mixture, on the exact one.
    func study(_ unit: Unit, reference: Reference, stepCounts: [Int], sampleCount: Int, trainingSteps: Int) throws -> UnitResult {
        var rng = unit.rng
        let (model, network) = try trainModel(label: unit.label, dataset: unit.dataset, process: unit.process, configuration: unit.configuration,
                                              data: unit.train, steps: trainingSteps, test: unit.test, rng: &rng)
        // The learned score, and for a mixture its exact marginal score: what each sampler loses with no learning error.
        let scores: [(String, any ScoreFunction)] = [(unit.label, NetworkScore(model: network))]
            + (unit.dataset.mixture.map { [(unit.label + Self.exactSuffix, $0 as any ScoreFunction)] } ?? [])
        var runs: [Run] = []
        for (name, score) in scores {
            for sampler in try Self.samplers(for: unit.process, steps: stepCounts) {
                var sampleRng = rng.split()
                let start = Stopwatch.now()
                let result = sampler.sampler.sample(count: sampleCount, score: score, rng: &sampleRng, progress: nil)
                let seconds = Stopwatch.now() - start
                guard result.samples.isFinite else {
                    throw RunFailure("\(name) on \(unit.dataset.rawValue): \(sampler.sampler.name) at \(sampler.steps) steps gave non-finite samples")
                }
                runs.append(Run(model: name, dataset: unit.dataset, sampler: sampler.label, steps: sampler.steps, evaluations: result.evaluations,
                                seconds: seconds, slicedW2: SlicedWasserstein.distance(result.samples, reference.data, rng: &sampleRng),
                                mmd: MaximumMeanDiscrepancy(result.samples, reference.mmdData, bandwidth: reference.bandwidth, permutations: 0, rng: &sampleRng).squared,
                                modeTV: unit.dataset.mixture.map { ModeWeights(of: result.samples, mixture: $0).totalVariation }, samples: result.samples))
            }
        }
        return UnitResult(model: model, runs: runs)
    }

    /// Trains by DSM on `process`, then measures the test-set likelihood; returns the measures and the network.
    func trainModel(label: String, dataset: ToyDataset, process: any ContinuousProcess, configuration: MLPConfiguration, data: Matrix,
               steps: Int, test: Matrix, rng: inout RandomSource) throws -> (Model, ScoreMLP) {
        let trainer = ScoreTrainer(model: ScoreMLP(configuration: configuration, rng: &rng), data: data,
                                   objective: DenoisingScoreMatching(process: process, dimension: 2), batchSize: 512,
                                   emaDecay: fast ? nil : 0.999, rng: rng.split())
        let seconds = try trainer.train(steps: steps, label: "\(label) on \(dataset.rawValue)").secondsPerStep * Double(steps)
        let network = trainer.samplingModel
        let likelihood = try ProbabilityFlowLikelihood(process: process, relativeTolerance: 1e-5, absoluteTolerance: 1e-5)
        let result = likelihood.logDensities(of: test, score: NetworkScore(model: network), rng: &rng)
        let exact = dataset.mixture.map { mixture -> Double in
            let q = mixture.marginal(at: process.level(at: process.earliestTime))
            return -(0..<test.rows).reduce(0.0) { $0 + q.logDensity(test.row($1).map(Double.init)) } / Double(test.rows)
        }
        return (Model(label: label, dataset: dataset, trainingSeconds: seconds, negativeLogLikelihood: result.meanNegativeLogLikelihood,
                      exactNegativeLogLikelihood: exact, likelihoodEvaluations: result.evaluations), network)
    }

    /// Every sampler the process allows, at each step count: annealed Langevin (VE only) with 10 levels
    /// of S / 10 steps; DDPM, DDIM and the reverse SDE with S levels; predictor-corrector with S / 2
    /// levels of one corrector step; Heun with S / 2 steps (2 evaluations each); RK45 with the
    /// tolerance that step count stands for (1e-1 at 10 down to 1e-6 at 1000).
    static func samplers(for process: any ContinuousProcess, steps: [Int]) throws -> [(label: String, steps: Int, sampler: any ScoreSampler)] {
        var out: [(String, Int, any ScoreSampler)] = []
        for s in steps {
            if let sigmas = process.additiveSigmas {
                out.append(("annealed Langevin", s, AnnealedLangevin(sigmaMax: sigmas.range.upperBound, sigmaMin: sigmas.range.lowerBound, levels: 10,
                                                                    stepsPerLevel: max(1, s / 10), denoise: true)))
            }
            let tolerance = pow(10, -1 - 5 * log10(Double(s) / 10) / 2)
            let candidates: [(String, () throws -> any ScoreSampler)] = [
                ("DDPM", { try DiffusionSampler(process: process, rule: .ancestral(largeVariance: true), steps: s) }),
                ("DDIM", { try DiffusionSampler(process: process, rule: .ddim(eta: 0), steps: s) }),
                ("reverse SDE", { try ReverseSDE(process: process, steps: s) }),
                ("predictor-corrector", { try PredictorCorrector(process: process, steps: max(2, s / 2)) }),
                ("ODE, Heun", { try ProbabilityFlowODE(process: process, solver: .heun(steps: max(1, s / 2))) }),
                ("ODE, RK45", { try ProbabilityFlowODE(process: process, solver: .rk45(relativeTolerance: tolerance, absoluteTolerance: tolerance)) }),
            ]
            for (label, make) in candidates { out.append((label, s, try make())) }
        }
        return out
    }
}
