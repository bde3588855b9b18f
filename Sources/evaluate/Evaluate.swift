import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitStudies

@main
struct Evaluate: ScoreKitCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a model or a set of samples against a data set: sample quality, and the score's error where it can be measured (to write raw scores at given points, use eval-score).",
        discussion: """
            Give --samples-file (a .npy or .csv of generated points) or --checkpoint (samples are then drawn by annealed \
            Langevin, and the score itself is measured at 10 noise levels, except on images). Writes evaluation.json and evaluation.md \
            to the output folder, with for 2-D data samples.svg, for images samples.png and real-vs-generated.png, \
            and fisher-divergence.svg for a checkpoint. On digits and fashion-mnist the samples are also measured \
            through a classifier trained on the training split (Fréchet distance, Inception score, class histogram, \
            copies of training images) beside real test images and noise. \
            Every sample metric comes with its value for fresh data of the same size.
            """)

    @Option(name: .long, help: "Generated points to measure: a .npy or .csv file [N, d].")
    var samplesFile: String?

    @Option(name: .long, help: "A checkpoint to sample from and to measure (instead of --samples-file).")
    var checkpoint: String?

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var samplerOptions: SamplerOptions

    @OptionGroup var run: RunOptions

    @Option(name: .long, help: "Folder for the outputs (created if missing).")
    var output = "runs/evaluate"

    func validate() throws {
        guard (samplesFile == nil) != (checkpoint == nil) else { throw ValidationError("give exactly one of --samples-file and --checkpoint") }
    }

    func execute() throws {
        try SingleProcess.require("evaluate")
        run.startThreads()
        try OutputPath.prepareFolder(output)
        var root = RandomSource(seed: run.seedOrDefault)
        var dataRng = root.split(), sampleRng = root.split(), evalRng = root.split()
        let loaded = try dataOptions.loadData(seed: dataRng.next())
        let data = loaded.points
        var model: (any ScoreNetwork)?, levels: [NoiseLevel] = [], samplerName = ""
        let points: Matrix
        if let checkpoint {
            let file = try Checkpoint.read(checkpoint)
            if let note = file.note { printNow("note: \(note)") }
            guard file.configuration.dimension == data.columns else {
                throw RunFailure("\(checkpoint) is a \(file.configuration.dimension)-D model, the data are \(data.columns)-D")
            }
            model = file.model()
            let sampler = try samplerOptions.make(for: file.process)
            samplerName = sampler.name
            levels = file.process.levels(count: 10)
            points = try samplerOptions.draw(with: sampler, from: NetworkScore(model: model!), rng: &sampleRng).samples
        } else {
            points = try DataFile.load(samplesFile!)
            guard points.columns == data.columns else {
                throw RunFailure("\(samplesFile!) has \(points.columns) columns, the data \(data.columns)")
            }
        }
        guard data.rows >= 8 && points.rows >= 8 else { throw RunFailure("need at least 8 samples and 8 data points") }
        func path(_ name: String) -> String { (output as NSString).appendingPathComponent(name) }

        let report = SampleReport(model: loaded.hasScoreProxy ? model.map { NetworkScore(model: $0) } : nil, samples: points, data: data,
                                  dataset: dataOptions.builtIn, levels: levels, rng: &evalRng)
        var summary = report.json
        var imageLines: [String] = [], imageMarkdown = ""
        if let shape = loaded.imageShape {
            let images = try ImageReport(samples: points, data: loaded, shape: shape, process: nil, folder: output, seed: evalRng.next())
            summary["images"] = images.json
            imageLines = images.lines
            imageMarkdown = images.markdown
        }
        summary["samples"] = points.rows
        summary["data"] = dataOptions.data
        try JSONReport.write(summary, to: path("evaluation.json"))
        let source = checkpoint.map { "\($0) (\(points.rows) \(samplerName) samples)" } ?? samplesFile!
        try AtomicFile.write("# Evaluation of \(source) against \(dataOptions.data)\n\n" + imageMarkdown + report.markdown, to: path("evaluation.md"))
        if data.columns == 2 {
            try FigureFile.write(Figures.samples(points, over: data, density: dataOptions.builtIn?.mixture,
                                                 title: "Samples against \(dataOptions.data)"),
                                 to: path("samples.svg"))
        }
        if !report.scoreErrors.isEmpty {
            try FigureFile.write(Figures.fisherDivergence([("learned score", report.scoreErrors)], title: "Score error against noise level"),
                                 to: path("fisher-divergence.svg"))
        }
        (imageLines + report.lines).forEach(printNow)
        printNow("outputs in \(output)/")
    }
}
