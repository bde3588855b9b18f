import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitStudies

extension ImageStudy {
    /// One process trained with one objective and sampled with that process's samplers.
    struct Arm {
        let process: String
        let objective: String
        let configuration: any NetworkConfiguration
        let makeObjective: () -> any ScoreObjective
        let samplers: [ArmSampler]
        /// The forward process on a few images: the clean ones, then increasing levels.
        let forward: (Matrix, inout RandomSource) -> [Matrix]
    }

    /// A sampler of an arm: draws `count` samples with the trained (averaged) network.
    struct ArmSampler {
        /// A short name for file names ("ddpm", "inverse-heat-clipped").
        let key: String
        let name: String
        let sample: (any ScoreNetwork, Int, inout RandomSource) throws -> SamplerRun
    }

    /// What one sampler of an arm measured: what an MPI rank sends back for the report.
    struct Measured: Codable {
        let finalLoss: Double
        let secondsPerStep: Double
        /// The samples, non-finite values set to 0 for the figures.
        let samples: Matrix
        let evaluations: Int
        /// Samples with a non-finite value: the sampler diverged on them.
        let divergedSamples: Int
        /// Nil when any sample diverged.
        let quality: ImageQuality?
    }

    /// One sampler's measured outcome on an arm.
    @dynamicMemberLookup
    struct ArmResult {
        let arm: Arm
        let sampler: ArmSampler
        let measured: Measured

        subscript<Value>(dynamicMember field: KeyPath<Measured, Value>) -> Value { measured[keyPath: field] }
    }

    /// What the Gaussian arms train on and sample with, on the images and on the stand-in alike:
    /// DDPM's chain with train-dsm's weighting and ancestral variance for the network (`Setup`), its
    /// sampler (clipped on Fashion-MNIST, as train-dsm samples it) and DDIM's on the same levels, and
    /// the VE ladder of log-uniform sigmas with annealed Langevin over it and the reverse SDE of its
    /// continuous process; blurring diffusion rides the same chain with the blur added, trained and
    /// sampled as the chain is.
    struct GaussianSetup {
        let vp: VariancePreserving
        let weighting: LossWeighting
        let sigmas: SigmaDistribution
        let ddpm: DiffusionSampler
        let ddim: DiffusionSampler
        let langevin: AnnealedLangevin
        let reverseSDE: ReverseSDE
        let blurring: BlurringDiffusion
        let blurringSampler: BlurringDiffusionSampler

        var ddpmName: String { Self.name(ddpm.name, ddpm.schedule.count) }
        var ddimName: String { Self.name(ddim.name, ddim.schedule.count) }
        var langevinName: String { "annealed Langevin, \(langevin.sigmas.count) x \(langevin.stepsPerLevel) steps" }
        var reverseSDEName: String { Self.name("reverse SDE (Euler-Maruyama)", reverseSDE.schedule.levels.count - 1) }
        var blurringName: String { Self.name(blurringSampler.name, blurringSampler.schedule.count) }

        static func name(_ sampler: String, _ steps: Int) -> String { "\(sampler), \(steps) steps" }

        /// DSM on DDPM's chain, and on blurring diffusion over it, with the chain's weighting.
        func chainDSM(dimension: Int) -> DenoisingScoreMatching { DenoisingScoreMatching(process: vp, dimension: dimension, weighting: weighting) }
        func blurringDSM() -> BlurringDiffusionScoreMatching { BlurringDiffusionScoreMatching(process: blurring, weighting: weighting) }
    }

    func gaussianSetup(_ setup: Setup) throws -> GaussianSetup {
        let sigmaMax = setup.sigmaMax, sigmaMin: Float = 0.01, vp = VariancePreserving(steps: 1000)
        let clip: ClosedRange<Float>? = dataset == .fashionMNIST ? -1...1 : nil, steps = setup.chainSteps
        let blurring = BlurringDiffusion(shape: setup.shape, chain: vp), sigmas = SigmaDistribution.logUniform(min: sigmaMin, max: sigmaMax)
        let large = setup.chainLargeVariance
        let langevin = try setup.langevinEvaluations.map { evaluations in
            guard let tuned = AnnealedLangevin(tunedFor: setup.dimension, sigmaMax: sigmaMax, sigmaMin: sigmaMin, evaluations: evaluations, denoise: true) else {
                throw RunFailure("images of \(setup.dimension) pixels are too small for a tuned annealed Langevin ladder (at least 5)")
            }
            return tuned
        } ?? AnnealedLangevin(sigmaMax: sigmaMax, sigmaMin: sigmaMin, levels: 20, stepsPerLevel: 100, epsilon: 2e-5, denoise: true)
        let ddpm = try DiffusionSampler(process: vp, rule: .ancestral(largeVariance: large), steps: steps, clip: clip)
        return GaussianSetup(vp: vp, weighting: setup.chainWeighting, sigmas: sigmas, ddpm: ddpm,
                             ddim: try DiffusionSampler(process: vp, rule: .ddim(eta: 0), steps: steps, clip: clip),
                             langevin: langevin,
                             // As many network evaluations as DDPM: its levels, less the one of the final denoising step.
                             reverseSDE: try ReverseSDE(process: VarianceExploding(sigmas: sigmas), steps: ddpm.schedule.count - 1),
                             blurring: blurring,
                             blurringSampler: try BlurringDiffusionSampler(process: blurring, steps: steps, largeVariance: large, clip: clip))
    }

    /// Gaussian noise twice (DDPM's chain, and the VE ladder the other kernels share), Laplace and
    /// uniform noise by DSM and SSM-VR (with a network that computes J v), blur plus noise and
    /// deterministic blur by restoration, and blurring diffusion (blur and noise on DDPM's chain) by DSM.
    func arms(setup: Setup) throws -> [Arm] {
        let d = setup.dimension, shape = setup.shape
        let gaussian = try gaussianSetup(setup), sigmas = gaussian.sigmas, langevin = gaussian.langevin, ddpm = gaussian.ddpm, vp = gaussian.vp
        let sigmaNet = try setup.configuration(.logSigma), timeNet = try setup.configuration(.time(width: 32))
        let ladderLevels = setup.fast ? min(blurLevels, 20) : blurLevels
        let noisyBlur = BlurLadder(shape: shape, levels: ladderLevels, noise: blurNoise)
        let blur = BlurLadder(shape: shape, levels: ladderLevels, noise: 0)
        let stripSigmas = geometricLevels(from: setup.sigmaMax / 4, to: 0.05, count: 6).reversed()

        func kernelForward(_ kernel: any AdditiveNoise) -> (Matrix, inout RandomSource) -> [Matrix] {
            { clean, rng in
                [clean] + stripSigmas.map { sigma in
                    var noisy = clean, target = clean
                    for i in 0..<clean.rows { kernel.corrupt(row: i, of: clean, sigma: sigma, into: &noisy, target: &target, rng: &rng) }
                    return noisy
                }
            }
        }
        func ladderForward(_ ladder: BlurLadder) -> (Matrix, inout RandomSource) -> [Matrix] {
            { clean, rng in
                [clean] + (1...6).map { i in
                    var out = ladder.blurred(clean, level: max(1, ladder.levels * i / 6))
                    for j in out.elements.indices { out.elements[j] += Float(ladder.noise * rng.normalDouble()) }
                    return out
                }
            }
        }
        let sampleLangevin = ArmSampler(key: "langevin", name: gaussian.langevinName) { model, count, rng in
            langevin.sample(count: count, score: NetworkScore(model: model), rng: &rng)
        }
        var arms = [Arm(process: "gaussian (VP)", objective: "dsm",
                        configuration: try setup.configuration(.time(width: 32), .noise),
                        makeObjective: { gaussian.chainDSM(dimension: d) },
                        samplers: [ArmSampler(key: ddpm.name, name: gaussian.ddpmName) { model, count, rng in
                            ddpm.sample(count: count, score: NetworkScore(model: model), rng: &rng, progress: nil)
                        }, ArmSampler(key: gaussian.ddim.name, name: gaussian.ddimName) { model, count, rng in
                            gaussian.ddim.sample(count: count, score: NetworkScore(model: model), rng: &rng, progress: nil)
                        }],
                        forward: { clean, rng in ImageReport.forwardStages(of: clean, process: vp, count: 6, rng: &rng) })]
        let kernels: [any AdditiveNoise] = [GaussianNoise(sigma: 1), LaplaceNoise(sigma: 1), UniformNoise(sigma: 1)]
        // The reverse SDE assumes Gaussian noise: the Gaussian kernel alone samples with it too.
        let sampleSDE = ArmSampler(key: "reverse-sde", name: gaussian.reverseSDEName) { model, count, rng in
            gaussian.reverseSDE.sample(count: count, score: NetworkScore(model: model), rng: &rng)
        }
        for kernel in kernels {
            let name = kernel.name + " (VE)"
            arms.append(Arm(process: name, objective: "dsm", configuration: sigmaNet,
                            makeObjective: { CorruptionDenoisingScoreMatching(corruption: kernel, sigmas: sigmas, dimension: d) },
                            samplers: kernel is GaussianNoise ? [sampleLangevin, sampleSDE] : [sampleLangevin], forward: kernelForward(kernel)))
            // Sliced score matching needs no conditional score: the check on DSM's identity where it fails.
            if !(kernel is GaussianNoise) && sigmaNet.supportsTangents {
                arms.append(Arm(process: name, objective: "ssm-vr", configuration: sigmaNet,
                                makeObjective: {
                                    HyvarinenScoreMatching(estimator: .slicedVarianceReduced(projections: 1, .rademacher),
                                                           data: .corrupted(kernel, sigmas), dimension: d)
                                },
                                samplers: [sampleLangevin], forward: kernelForward(kernel)))
            }
        }
        let prior = noisyBlur.prior(fittedTo: setup.images.train)
        // Rissanen et al.'s delta = 1.25 eta, the same clipped, and no sampling noise at all.
        let heatSamplers = [(1.25 * blurNoise, false), (1.25 * blurNoise, true), (0, false)].map { delta, clipped in
            ArmSampler(key: "inverse-heat" + (delta == 0 ? "-no-noise" : "") + (clipped ? "-clipped" : ""),
                       name: String(format: "inverse heat dissipation, %d levels, delta %.3g%@", ladderLevels, delta, clipped ? ", clipped" : "")) { model, count, rng in
                guard let prior else { throw RunFailure("the blurred training images' covariance is not positive definite: no prior to start from") }
                return InverseHeatDissipation(ladder: noisyBlur, prior: prior, samplingNoise: delta, clip: clipped ? -1...1 : nil)
                    .sample(count: count, restoration: NetworkRestoration(model: model, ladder: noisyBlur), rng: &rng)
            }
        }
        arms.append(Arm(process: "blur+noise", objective: "restoration (DSM, x0 form)", configuration: timeNet,
                        makeObjective: { BlurRestoration(ladder: noisyBlur) }, samplers: heatSamplers, forward: ladderForward(noisyBlur)))
        arms.append(Arm(process: "blur", objective: "restoration", configuration: timeNet, makeObjective: { BlurRestoration(ladder: blur) },
                        samplers: [ArmSampler(key: "cold", name: "cold diffusion, \(ladderLevels) levels, from blurred training images") { model, count, rng in
                            ColdDiffusion(ladder: blur, trainingImages: setup.images.train)
                                .sample(count: count, restoration: NetworkRestoration(model: model, ladder: blur), rng: &rng)
                        }],
                        forward: ladderForward(blur)))
        // Last, so that the arms before it keep the generators they drew before it existed.
        arms.append(Arm(process: gaussian.blurring.name, objective: "dsm", configuration: try setup.configuration(.time(width: 32), .noise),
                        makeObjective: { gaussian.blurringDSM() },
                        samplers: [ArmSampler(key: gaussian.blurringSampler.name, name: gaussian.blurringName) { model, count, rng in
                            gaussian.blurringSampler.sample(count: count, score: NetworkScore(model: model), rng: &rng, progress: nil)
                        }],
                        forward: { clean, rng in [clean] + (1...6).map { gaussian.blurring.noised(clean, at: Double($0) / 6, rng: &rng) } }))
        return arms
    }

    /// Trains a network on `data` for the setup's steps; returns its averaged weights, the last
    /// loss and the seconds per step.
    func train(_ configuration: any NetworkConfiguration, objective: any ScoreObjective, data: Matrix, label: String, setup: Setup,
               rng: inout RandomSource) throws -> (model: any ScoreNetwork, loss: Double, secondsPerStep: Double) {
        var modelRng = RandomSource(seed: setup.seed &+ 1)
        return try train(configuration.makeNetwork(rng: &modelRng), objective: objective, data: data, label: label, setup: setup, rng: &rng)
    }

    private func train<Network: ScoreNetwork>(_ network: Network, objective: any ScoreObjective, data: Matrix, label: String, setup: Setup,
                                              rng: inout RandomSource) throws -> (model: any ScoreNetwork, loss: Double, secondsPerStep: Double) {
        let trainer = ScoreTrainer(model: network, data: data, objective: objective,
                                   batchSize: setup.batch, emaDecay: setup.fast ? nil : setup.emaDecay, rng: rng.split())
        let (loss, secondsPerStep) = try trainer.train(steps: setup.steps, label: label)
        return (trainer.samplingModel, loss, secondsPerStep)
    }

    /// Trains one arm on the training images, then samples it with each of its samplers and
    /// measures the samples, in the order of `arm.samplers`.
    func run(_ arm: Arm, setup: Setup, rng: inout RandomSource) throws -> [Measured] {
        let label = "\(arm.process) \(arm.objective)"
        let trained = try train(arm.configuration, objective: arm.makeObjective(), data: setup.images.train, label: label,
                                setup: setup, rng: &rng)
        return try arm.samplers.map { sampler in
            let run = try sampler.sample(trained.model, setup.sampleCount, &rng)
            var samples = run.samples
            let diverged = samples.nonFiniteRows
            var quality: ImageQuality?
            if diverged == 0 {
                quality = ImageQuality(samples: samples, images: setup.images, classifier: setup.classifier, rng: &rng)
                guard let quality else { throw RunFailure("\(label), \(sampler.name): the samples' classifier features are not finite") }
                printNow(String(format: "%@, %@: Fréchet distance %.4g (test images %.4g, noise %.4g)", label, sampler.name,
                                quality.frechetDistance.samples, quality.frechetDistance.realTest, quality.frechetDistance.noise))
            } else {
                printNow("\(label), \(sampler.name): \(diverged) of \(samples.rows) samples diverged (not finite); not measured")
                for i in samples.elements.indices where !samples.elements[i].isFinite { samples.elements[i] = 0 }
            }
            return Measured(finalLoss: trained.loss, secondsPerStep: trained.secondsPerStep, samples: samples,
                            evaluations: run.evaluations, divergedSamples: diverged, quality: quality)
        }
    }
}
