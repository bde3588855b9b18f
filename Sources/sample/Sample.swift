import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitStudies

@main
struct Sample: ScoreKitCommand {
    static let renamedOptions = [(old: "--steps", new: "--sampling-steps")]

    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Draw samples from a saved score network with any sampler its forward process allows.",
        discussion: """
            The checkpoint says which process the model was trained on (ve, vp, vp-sde or subvp-sde) and the \
            default sampler follows from it; a checkpoint from train-dsm also gives the sampling options its run \
            used (--samples, --clip-denoised, and for a U-Net on images --sampler \(UNetBudget.sampler.rawValue) --sampling-steps \(UNetBudget.samplingSteps)) \
            unless they are given. Writes the samples as float32 .npy [N, d]; for 2-D models trained on a \
            built-in data set, also a figure over fresh data and the sample-quality report; for a model \
            trained on images, a PNG grid of the first 100 samples beside the .npy.
            """)

    @OptionGroup var model: CheckpointOptions

    @OptionGroup var samplerOptions: SamplerOptions

    @Option(name: .long, help: "The old spelling of --sampling-steps.")
    var steps: Int?

    @Option(name: .long, help: "ve: largest sampler noise level (default: the checkpoint's sigma-max).")
    var sigmaMax: Float?

    @Option(name: .long, help: "ve: smallest sampler noise level (default: the checkpoint's sigma-min).")
    var sigmaMin: Float?

    @OptionGroup var run: RunOptions

    @Option(name: .long, help: "Where to write the samples (.npy); a figure goes next to it as .svg.")
    var output = "samples.npy"

    func validate() throws {
        for (name, value) in [("--sigma-max", sigmaMax), ("--sigma-min", sigmaMin)] {
            if let value, !(value > 0 && value.isFinite) { throw ValidationError("\(name) must be positive, got \(value)") }
        }
        if let steps, !(1...SamplerOptions.maximumSteps).contains(steps) {
            throw ValidationError("--steps must lie in 1...\(SamplerOptions.maximumSteps), got \(steps)")
        }
        guard steps == nil || samplerOptions.samplingSteps == nil else { throw ValidationError("give --steps or --sampling-steps, not both") }
    }

    /// The process to sample and its sampler: the model's process (for a ve model, its levels
    /// replaced by --sigma-min and --sigma-max when given), and the sampler the options make for it.
    func sampling(_ trained: any ForwardProcess, options: SamplerOptions) throws -> (process: any ForwardProcess, sampler: any ScoreSampler) {
        var process = trained
        if sigmaMax != nil || sigmaMin != nil {
            guard let sigmas = process.additiveSigmas else {
                throw RunFailure("--sigma-max and --sigma-min apply to a ve model; this one was trained on \(process.name)")
            }
            let given = SigmaDistribution.logUniform(min: sigmaMin ?? sigmas.range.lowerBound, max: sigmaMax ?? sigmas.range.upperBound)
            if let problem = given.problem { throw RunFailure(problem) }
            process = VarianceExploding(sigmas: given)
        }
        var options = options
        options.samplingSteps = steps ?? options.samplingSteps
        return (process, try options.make(for: process))
    }

    /// The sampler options with those not given taken from the run that trained the checkpoint
    /// (train-dsm's: its --samples and --clip-denoised, and a U-Net's `UNetBudget` sampler), so that
    /// a model samples as its training run did; the plain defaults for other checkpoints.
    func options(after checkpoint: Checkpoint) -> SamplerOptions {
        // Only defaults are read from the saved run, so one that does not parse leaves them alone
        // (and --steps, the old spelling, still wins in `sampling`).
        guard let json = checkpoint.run["configuration"], let saved = try? RunConfiguration(json: json, file: model.checkpoint).sampling else {
            return samplerOptions
        }
        return samplerOptions.filling(from: saved)
    }

    func execute() throws {
        try SingleProcess.require("sample")
        try OutputPath.prepareFile(output, extension: "npy")
        run.startThreads()
        let (checkpoint, network) = try model.load()
        if let note = checkpoint.note { printNow("note: \(note)") }
        let options = options(after: checkpoint)
        let (process, sampler) = try sampling(checkpoint.process, options: options)
        var rng = RandomSource(seed: run.seedOrDefault)
        var sampleRng = rng.split(), dataRng = rng.split(), evalRng = rng.split()
        let score = NetworkScore(model: network)
        let run = try options.draw(with: sampler, from: score, rng: &sampleRng)
        let samples = run.samples
        try NumpyArray(samples).write(to: output)
        printNow("wrote \(samples.rows) samples to \(output) (\(sampler.name), \(run.evaluations) network evaluations per sample)")
        if let recorded = checkpoint.run["image_shape"], let shape = ImageShape(parsing: recorded), shape.pixels == samples.columns {
            let grid = (output as NSString).deletingPathExtension + ".png"
            try ImageReport.grid(of: samples, shape: shape).write(to: grid)
            printNow("grid of \(min(100, samples.rows)) \(shape) images: \(grid)")
        }
        guard let dataset = ToyDataset(rawValue: checkpoint.dataset) else { return }
        let data = dataset.sample(count: max(2 * samples.rows, 2), rng: &dataRng)
        if samples.columns == 2 {
            let figure = (output as NSString).deletingPathExtension + ".svg"
            try FigureFile.write(Figures.samples(samples, over: data, density: dataset.mixture,
                                                 title: "\(sampler.name) samples from \(URL(fileURLWithPath: model.checkpoint).lastPathComponent)"),
                                 to: figure)
            printNow("figure: \(figure)")
        }
        SampleReport(model: score, samples: samples, data: data, dataset: dataset,
                     levels: process.levels(count: 5), rng: &evalRng).lines.forEach(printNow)
    }
}
