import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI

@main
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Draw samples from a saved score network by annealed Langevin dynamics.",
        discussion: "Writes the samples as float32 .npy [N, d]; for 2-D models trained on a built-in data set, also a figure over fresh data and the sample-quality report.")

    @OptionGroup var model: CheckpointOptions

    @OptionGroup var samplerOptions: SamplerOptions

    @Option(name: .long, help: "Largest sampler noise level (default: the checkpoint's sigma-max).")
    var sigmaMax: Float?

    @Option(name: .long, help: "Smallest sampler noise level (default: the checkpoint's sigma-min).")
    var sigmaMin: Float?

    @Option(name: .long, help: "Random seed of the sampler.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Where to write the samples (.npy); a figure goes next to it as .svg.")
    var output = "samples.npy"

    func validate() throws {
        for (name, value) in [("--sigma-max", sigmaMax), ("--sigma-min", sigmaMin)] {
            if let value, !(value > 0 && value.isFinite) { throw ValidationError("\(name) must be positive, got \(value)") }
        }
    }

    func run() throws {
        let (checkpoint, network) = try model.load()
        let hi = sigmaMax ?? checkpoint.sigmaMax, lo = sigmaMin ?? checkpoint.sigmaMin
        guard lo < hi else { throw RunFailure("sigma-min \(lo) must be below sigma-max \(hi)") }
        var rng = RandomSource(seed: seed)
        var sampleRng = rng.split(), dataRng = rng.split(), evalRng = rng.split()
        let score = NetworkScore(model: network)
        let samples = try samplerOptions.draw(from: score, sigmaMax: hi, sigmaMin: lo, rng: &sampleRng)
        try NumpyArray(samples).write(to: output)
        printNow("wrote \(samples.rows) samples to \(output)")
        guard let dataset = ToyDataset(rawValue: checkpoint.dataset) else { return }
        let data = dataset.sample(count: max(2 * samples.rows, 2), rng: &dataRng)
        if samples.columns == 2 {
            let figure = (output as NSString).deletingPathExtension + ".svg"
            try FigureFile.write(Figures.samples(samples, over: data, density: dataset.mixture,
                                                 title: "Samples from \(URL(fileURLWithPath: model.checkpoint).lastPathComponent)"),
                                 to: figure)
            printNow("figure: \(figure)")
        }
        SampleReport(model: score, samples: samples, data: data, dataset: dataset,
                     sigmas: geometricLevels(from: hi, to: lo, count: 5), rng: &evalRng).lines.forEach(printNow)
    }
}
