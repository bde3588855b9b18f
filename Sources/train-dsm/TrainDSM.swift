import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitMPI
import ScoreKitStudies

@main
struct TrainDSM: ScoreKitCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-dsm",
        abstract: "Train a noise-conditional score network by denoising (or sliced, or exact) score matching, then sample from it.",
        discussion: """
            Writes to the output folder: checkpoint.safetensors (last good weights, saved every \
            --checkpoint-every steps and at the end), losses.npy and loss.csv, samples.npy, summary.json, \
            and the figures loss.svg, score-error.svg (score error during training), fisher-divergence.svg \
            (score error against sigma) and for 2-D data samples.svg and score-field.svg; each figure also \
            as PNG where rsvg-convert is installed.

            The checkpoint also holds what continuing needs (optimiser moments, random state, the run's \
            settings) and losses.npy is saved with it, so that --resume FOLDER continues a stopped run and \
            ends with the same bytes as a run that never stopped (at any --threads: the count does not change \
            the numbers).

            Under mpirun (mpirun -np N .build/release/train-dsm ...), training is data-parallel: each step's \
            batch is drawn as one process draws it, each rank computes the gradients of its 1/N of the rows, \
            and one all-reduce sums them; rank 0 alone writes files, prints and samples. The result equals \
            the one-process run's to rounding (the order of the sums differs).

            On image data (--data digits or fashion-mnist, or --image-shape) the defaults that are not \
            given become --process vp --samples 1000 --eval-every 0, and --clip-denoised for fashion-mnist; \
            the network is the U-Net for fashion-mnist and the MLP otherwise. The MLP trains with --hidden 512 \
            --layers 3 (fashion-mnist: --hidden 1024 --layers 2) --batch 256; the U-Net with --blocks \(UNetBudget.blocks) --batch \
            \(UNetBudget.batch) --train-steps \(UNetBudget.trainSteps) --ema-decay \(UNetBudget.emaDecay) --min-snr \(UNetBudget.minSNRGamma) and samples with \
            --sampler \(UNetBudget.sampler.rawValue) --sampling-steps \(UNetBudget.samplingSteps) (about 30 minutes of \
            training on 2 cores for fashion-mnist). The run also \
            writes samples.png, real-vs-generated.png, forward-process.png and, for the labelled sets, \
            classifier-based measures (Fréchet distance, Inception score, class histogram, copies of \
            training images) beside their values for real test images and for noise.
            """)

    static let renamedOptions = [(old: "--steps", new: "--train-steps")]

    static func main() {
        do {
            let command = try parse(Array(CommandLine.arguments.dropFirst()))
            try command.run()
        } catch {
            // Under MPI every rank meets the same error; rank 0 alone says it.
            guard ProcessGroup.launchRank == 0 else { Foundation.exit(exitCode(for: error).rawValue) }
            exit(withError: error)
        }
    }

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var objectiveOptions: ObjectiveOptions

    @OptionGroup var processOptions: ProcessOptions

    @Option(name: [.customLong("train-steps"), .customLong("steps")],
            help: "Training steps (default: \(RunConfiguration.standard.length.trainSteps); \(UNetBudget.trainSteps) for a U-Net on images); --steps is the old spelling.")
    var trainSteps: Int?

    @OptionGroup var networkOptions: NetworkOptions

    @Option(name: .long, help: "Minibatch size (default: \(RunConfiguration.standard.batch); 256 for images, \(UNetBudget.batch) for a U-Net).")
    var batch: Int?

    @Option(name: .long, help: "Adam learning rate (default: 0.001).")
    var lr: Float?

    @Option(name: .long, help: "ve: smallest noise level, training and sampling (default: 0.01).")
    var sigmaMin: Float?

    @Option(name: .long, help: "ve: largest noise level, training and sampling (default: 10).")
    var sigmaMax: Float?

    @Option(name: .long, help: "ve: train on this many geometric noise levels (the NCSN ladder); 0, the default, draws sigma log-uniformly.")
    var sigmaLevels: Int?

    @Option(name: .long, help: "Decay of the weight average used for sampling (default: 0.999; \(UNetBudget.emaDecay) for a U-Net on images); 0 samples with the last weights.")
    var emaDecay: Float?

    /// `--seed` (data, initial weights, noise and sampling all derive from it) and `--threads`.
    @OptionGroup var runOptions: RunOptions

    @Option(name: .long, help: ArgumentHelp(
        "Continue the run saved in this folder (or checkpoint file), exactly as if it had not stopped.",
        discussion: """
            The run keeps its data, network, objective, process, learning rate, batch, noise levels, EMA \
            decay and seed (giving another is refused, naming the first that differs); --train-steps, \
            --checkpoint-every, --eval-every, --divergence-factor, --samples and --clip-denoised keep the \
            run's values unless given; --threads, --output (default: the resumed folder), the number of \
            MPI ranks and the other sampling options may change.
            """, valueName: "folder-or-checkpoint"))
    var resume: String?

    @Option(name: .long, help: "Folder for the outputs, created if missing (default: runs/train-dsm; with --resume, the resumed folder).")
    var output: String?

    @Option(name: .long, help: "Stop as diverged when a step's |loss| exceeds this many times the first step's (default: 10000; 0: stop only on NaN or infinity).")
    var divergenceFactor: Double?

    @Option(name: .long, help: "Save the checkpoint every this many steps (default: 1000; 0: only at the end).")
    var checkpointEvery: Int?

    @Option(name: .long, help: "Measure the score error (at 3 noise levels, EMA weights) every this many steps for score-error.svg (default: 1000; 0 for images); 0: never. Exact for built-in mixtures, else against a kernel-density proxy.")
    var evalEvery: Int?

    @Option(name: .long, help: "Noise level at which score-field.svg shows the score (for the vp processes: the level of that sigma).")
    var fieldSigma: Float = 0.3

    @OptionGroup var samplerOptions: SamplerOptions

    func validate() throws {
        guard fieldSigma > 0 && fieldSigma.isFinite else { throw ValidationError("--field-sigma must be positive, got \(fieldSigma)") }
        // Every other option is a field of the run, held to its bounds there (a resumed run's too).
        _ = try configuration(over: standard)
    }

    /// `base` with every option given on this command line.
    func configuration(over base: RunConfiguration) throws -> RunConfiguration {
        var run = base
        if let data = dataOptions.givenData { run.data.name = data }
        if let points = dataOptions.givenDataPoints { run.data.points = points }
        objectiveOptions.apply(to: &run)
        processOptions.apply(to: &run)
        networkOptions.apply(to: &run.network)
        if let sigmaMin { run.process.sigmaMin = sigmaMin }
        if let sigmaMax { run.process.sigmaMax = sigmaMax }
        if let sigmaLevels { run.process.sigmaLevels = sigmaLevels }
        if let lr { run.optimiser.learningRate = lr }
        if let batch { run.batch = batch }
        if let seed = runOptions.seed { run.seed = seed }
        if let emaDecay { run.emaDecay = emaDecay }
        if let trainSteps { run.length.trainSteps = trainSteps }
        if let checkpointEvery { run.length.checkpointEvery = checkpointEvery }
        if let evalEvery { run.length.evalEvery = evalEvery }
        if let divergenceFactor { run.length.divergenceFactor = divergenceFactor }
        if let samples = samplerOptions.givenSamples { run.sampling.samples = samples }
        if let clip = samplerOptions.givenClipDenoised { run.sampling.clipDenoised = clip }
        try run.validate()
        return run
    }

    /// The defaults this command's data call for: `RunConfiguration.forImages` for an image set or
    /// --image-shape, else the standard ones.
    var standard: RunConfiguration {
        let images = ImageDataset(rawValue: dataOptions.data)
        return images != nil || dataOptions.imageShape != nil ? .forImages(images, network: networkOptions.network) : .standard
    }

    func execute() throws {
        guard let resume else {
            let training = try TrainingRun(run: configuration(over: standard), command: self, output: output ?? "runs/train-dsm", resuming: nil)
            return try training.report(trained: training.loop())
        }
        let file = resume.hasSuffix(".safetensors") ? resume : (resume as NSString).appendingPathComponent("checkpoint.safetensors")
        let saved = try Checkpoint.read(file)
        guard saved.training != nil, let original = try Self.savedRun(saved, file: file) else {
            throw RunFailure("\(file): holds no state to resume from (written by another tool, or before --resume existed)")
        }
        let run = try configuration(over: original)
        if let difference = original.difference(from: run) { throw RunFailure(difference) }
        let folder = (file as NSString).deletingLastPathComponent.isEmpty ? "." : (file as NSString).deletingLastPathComponent
        let training = try TrainingRun(run: run, command: self, output: output ?? folder, resuming: saved)
        try training.restore(saved, folder: folder)
        try training.report(trained: training.loop())
    }

    /// The run a checkpoint records: its configuration, or in a checkpoint written before runs
    /// were typed, the arguments it was started with read as this command reads them.
    static func savedRun(_ checkpoint: Checkpoint, file: String) throws -> RunConfiguration? {
        if let json = checkpoint.run["configuration"] { return try RunConfiguration(json: json, file: file) }
        guard let text = checkpoint.run["arguments"], let arguments = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            return nil
        }
        let command = try TrainDSM.parse(arguments)
        return try command.configuration(over: command.standard)
    }
}
