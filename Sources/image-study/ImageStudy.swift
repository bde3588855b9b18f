import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitMPI
import ScoreKitStudies

@main
struct ImageStudy: ScoreKitCommand {
    static let renamedOptions = [(old: "--steps", new: "--train-steps"), (old: "--quick", new: "--fast")]

    static let configuration = CommandConfiguration(
        commandName: "image-study",
        abstract: "Why Gaussian noise, on images: Gaussian, Laplace and uniform noise, blur plus noise, deterministic blur and blurring diffusion, trained and sampled on digits or Fashion-MNIST.",
        discussion: """
            First, on a mixture fitted to the digits (one full-covariance Gaussian per class, whose corrupted \
            densities are known exactly under any Gaussian noise and any blur): Vincent's identity checked by \
            Monte Carlo for Gaussian noise, blur plus noise and blurring diffusion, the corrupted covariance's condition number \
            and the score's size against the blur time with and without noise, and the score error of a network \
            trained on the mixture's samples. Then the same network trained on the images with each process and \
            each objective (DSM, blurring diffusion's among them; sliced score matching where DSM's identity fails; \
            restoration for the ladder blurs), \
            sampled with that process's sampler and measured through a classifier (Fréchet distance, Inception \
            score, class histogram, copies of training images) beside real test images and noise. Writes \
            image-study.md (image-study-fashion-mnist.md) and a sample grid and forward-process strip per process \
            (digits: 46 minutes with the U-Net on 2 cores; --fast about 30 seconds). Under mpirun -np N the arms are shared \
            between the ranks by their network evaluations (the costliest first, to the rank with the least work) and rank 0 \
            writes the same report as one process. Every arm trains the network --network names \
            (the U-Net by default, with train-dsm's budget for it: batch 32, 3,200 steps, EMA 0.995, on DDPM's chain Min-SNR 5 \
            and the posterior variance, and about 100 network evaluations per sample for every sampler; --network mlp \
            trains the MLP at batch 256 for 6,000 steps, with 1,000 levels for the chain samplers and 20 x 100 Langevin steps); annealed Langevin on the U-Net walks the ladder Song and Ermon's techniques 2 and 4 set for the images' dimension and that budget; a network without Jacobian-vector products (the \
            U-Net) leaves out the sliced score matching arms. --fast shrinks the U-Net to channels 8,16 and one block unless \
            the options say otherwise. A stopped run loses only the arm it was in: each finished arm is kept in \
            image-study-arms/ (image-study-fashion-mnist-arms/) beside the report and read back by the next run with \
            the same options on the same OpenBLAS kernels; the folder goes once the report is written.
            """)

    @Option(name: .long, help: "Image set: digits or fashion-mnist.")
    var data = ImageDataset.digits.rawValue

    @Option(name: .long, help: ArgumentHelp("fashion-mnist: the folder holding its four IDX files (default: \(ImageDataset.fashionMNISTFolder)).",
                                            valueName: "folder"))
    var dataFolder: String?

    @Option(name: [.customLong("train-steps"), .customLong("steps")],
            help: "Training steps per process and objective, the same for all (default: \(UNetBudget.trainSteps) for the U-Net, \(Self.mlpSteps) for the MLP; --steps is the old spelling).")
    var steps: Int?

    @Option(name: .long, help: "Samples per sampler; the measures compare as many of them with as many test images as there are both.")
    var samples = 1_000

    @Option(name: .long, help: "eta, the noise added to the blur (blur+noise), 0.001 to 1, on images scaled to [-1, 1].")
    var blurNoise = 0.02

    @Option(name: .long, help: "Levels K of the blur ladder, 2 to 1,000.")
    var blurLevels = 100

    @OptionGroup var networkOptions: NetworkOptions

    @OptionGroup var report: ReportOptions

    @Flag(name: [.customLong("fast"), .customLong("quick")], help: "About a minute, for CI: 200 steps, 200 samples, 2,000 Monte Carlo pairs, short samplers.")
    var fast = false

    var dataset: ImageDataset { ImageDataset(rawValue: data)! }

    /// The MLP's training steps per arm unless --train-steps says otherwise.
    static let mlpSteps = 6_000

    /// The network the options name (the U-Net unless --network says otherwise) over train-dsm's
    /// image defaults for it; with --fast, a U-Net of channels 8,16 and one block unless the
    /// options give its shape, so that the whole study runs in about a minute.
    var networkSettings: NetworkSettings {
        var network = RunConfiguration.forImages(dataset, network: networkOptions.network ?? UNetConfiguration.networkName).network
        if fast && network.kind == UNetConfiguration.networkName {
            network.channels = [8, 16]
            network.blocks = 1
        }
        networkOptions.apply(to: &network)
        return network
    }

    var usesMLP: Bool { networkSettings.kind == MLPConfiguration.networkName }

    /// `settings` as a network for images of `shape`; throws `NetworkSettings.Problem` naming the option at fault.
    static func configuration(_ settings: NetworkSettings, shape: ImageShape, _ conditioning: Conditioning,
                              _ parameterisation: OutputParameterisation) throws -> any NetworkConfiguration {
        try NetworkRegistry.configuration(settings: settings, dimension: shape.pixels, image: shape, conditioning: conditioning,
                                          parameterisation: parameterisation)
    }

    func validate() throws {
        guard ImageDataset(rawValue: data) != nil else { throw ValidationError("--data must be an image set (\(ImageDataset.names)), got '\(data)'") }
        if dataFolder != nil && dataset != .fashionMNIST { throw ValidationError("--data-folder is for --data fashion-mnist") }
        if let steps { try Limits.check(steps, "--train-steps", in: 1...Limits.trainingSteps) }
        try Limits.check(samples, "--samples", in: 2...100_000)
        // Each level costs every sample one network pass, and the stand-in's exact restoration a
        // d x d corrupted mixture per level; below eta = 1e-3 its covariances near rounding.
        try Limits.check(blurLevels, "--blur-levels", in: 2...1_000)
        guard blurNoise >= 1e-3 && blurNoise <= 1 else { throw ValidationError("--blur-noise must lie in [0.001, 1], got \(blurNoise)") }
        do {
            _ = try Self.configuration(networkSettings, shape: dataset.shape, .time(width: 32), .score)
        } catch let problem as NetworkSettings.Problem {
            throw ValidationError(problem.description)
        }
    }

    /// What every arm shares: the images, the budgets, the network and the classifier measuring it.
    struct Setup {
        let images: ImageSet
        let steps: Int
        let sampleCount: Int
        /// The network every arm trains (its kind and shape; each arm sets its conditioning).
        let network: NetworkSettings
        /// Images per training step and the weights' average: 256 and 0.999 for the MLP, train-dsm's
        /// `UNetBudget` for the U-Net (32 and 0.995), whose step costs two orders of magnitude more per image.
        let batch: Int
        let emaDecay: Float
        /// The chain samplers' levels (nil: all of DDPM's 1,000).
        let chainSteps: Int?
        /// DDPM's chain as train-dsm trains and samples it with this network (`RunConfiguration.forImages`):
        /// its levels' weighting (Min-SNR for the U-Net, sigma^2 for the MLP) and its ancestral steps'
        /// variance (beta_t for the MLP, the posterior's beta-tilde_t for the U-Net). Blurring diffusion's alike.
        let chainWeighting: LossWeighting
        let chainLargeVariance: Bool
        /// Annealed Langevin's score evaluations, for which Song and Ermon's techniques set its ladder
        /// and step (nil: the MLP's hand-set 20 levels of 100 steps).
        let langevinEvaluations: Int?
        /// The VE ladder's top: the largest distance between two of the first 1,000 training images.
        let sigmaMax: Float
        let classifier: Classifier
        let classifierSummary: String
        let seed: UInt64
        let fast: Bool

        var shape: ImageShape { images.shape }
        var dimension: Int { images.shape.pixels }

        /// The network for the images reading `conditioning` and outputting `parameterisation`.
        func configuration(_ conditioning: Conditioning, _ parameterisation: OutputParameterisation = .score) throws -> any NetworkConfiguration {
            try ImageStudy.configuration(network, shape: shape, conditioning, parameterisation)
        }
    }

    func execute() throws {
        let group = ProcessGroup.world
        if group.isLeader { try report.prepare() } else { report.run.startThreads() }
        var root = RandomSource(seed: report.seed)
        var dataRng = root.split()
        let images = try dataset.load(folder: dataFolder, rng: &dataRng)
        // The VE ladder runs from 0.01 to the largest distance between training images.
        let reference = images.train.gatherRows(Array(0..<min(1_000, images.train.rows)))
        let sigmaMax = Float(PairwiseDistances(reference, reference).largestDistance())
        guard sigmaMax > 0.01 else {
            throw RunFailure("the \(images.name) training images lie within \(sigmaMax) of one another: the VE ladder from 0.01 up to that distance has no range")
        }
        let training = dataset == .digits ? ClassifierTraining.digits : ClassifierTraining.fashionMNIST
        printNow("training the \(images.name) classifier (\(training.hiddenWidths.map(String.init).joined(separator: "-")), \(training.epochs) epochs) for the image measures")
        var classifierRng = root.split()
        let classifier = try training.fit(images.train, labels: images.trainLabels, classes: images.classNames.count, rng: &classifierRng)
        let network = networkSettings, mlp = usesMLP, recipe = RunConfiguration.forImages(dataset, network: network.kind)
        // About 100 network evaluations per sample for the U-Net, whose evaluations cost ~100 times the MLP's.
        let setup = Setup(images: images, steps: fast ? 200 : steps ?? (mlp ? Self.mlpSteps : UNetBudget.trainSteps),
                          sampleCount: fast ? min(samples, 200) : samples, network: network,
                          batch: mlp ? 256 : UNetBudget.batch, emaDecay: mlp ? 0.999 : UNetBudget.emaDecay,
                          chainSteps: fast ? 50 : (mlp ? nil : UNetBudget.samplingSteps),
                          chainWeighting: recipe.objective.weighting ?? .noiseVariance,
                          chainLargeVariance: recipe.sampling.sampler != .ddpmSmall,
                          langevinEvaluations: fast ? 50 : (mlp ? nil : UNetBudget.samplingSteps),
                          sigmaMax: sigmaMax, classifier: classifier,
                          classifierSummary: "MLP \(([images.shape.pixels] + training.hiddenWidths + [images.classNames.count]).map(String.init).joined(separator: "-")), \(training.epochs) epochs",
                          seed: report.seed, fast: fast)
        var truthRng = root.split()
        // Rank 0 alone computes the ground truth, the others only their arms.
        let truth = dataset == .digits && group.isLeader ? try groundTruth(setup: setup, rng: &truthRng) : nil
        let arms = try self.arms(setup: setup)
        let generators = arms.map { _ in root.split() }
        // An arm an interrupted run finished is read back, not run again.
        // Ranks share the arms by their network evaluations (a training step's backward pass
        // counted as two forward ones), so that an arm with three samplers weighs more than one
        // with one; the leader starts with the ground truth's (four networks trained, four sampled).
        let trainingCost = Double(3 * setup.steps * setup.batch), samplingCost = Double(setup.sampleCount * (setup.chainSteps ?? 1_000))
        let measured = try group.distribute(arms.count, cost: { trainingCost + Double(arms[$0].samplers.count) * samplingCost },
                                            leaderLoad: dataset == .digits ? 4 * (trainingCost + samplingCost) : 0) { index in
            if let reused = reusedArm(index, arms[index], setup: setup) { return reused }
            var rng = generators[index]
            let measured = try run(arms[index], setup: setup, rng: &rng)
            try keep(measured, index, arms[index], setup: setup)
            return measured
        }
        guard group.isLeader else { return group.finish() }
        let results = zip(arms, measured).flatMap { arm, measured in
            zip(arm.samplers, measured).map { ArmResult(arm: arm, sampler: $0, measured: $1) }
        }
        try write(arms: results, truth: truth, setup: setup)
        try? FileManager.default.removeItem(atPath: recordsFolder)
        group.finish()
    }
}
