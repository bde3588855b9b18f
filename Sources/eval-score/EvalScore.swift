import ArgumentParser
import ScoreKit
import ScoreKitCLI

@main
struct EvalScore: ScoreKitCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-score",
        abstract: "Write a saved network's scores s(x, sigma) at given points, for another tool to check (to measure a model or samples against data, use evaluate).",
        discussion: "Reads points [N, d] from .npy or .csv and writes the scores [N, d] as float32 .npy, so any other tool can check the model.")

    @OptionGroup var model: CheckpointOptions

    @Option(name: .long, help: "Points to evaluate at: a .npy or .csv file of shape [N, d].")
    var points: String

    @Option(name: .long, help: "Noise level sigma at which to evaluate the score.")
    var sigma: Float

    @Option(name: .long, help: ThreadCount.help)
    var threads: ThreadCount = .automatic

    @Option(name: .long, help: "Where to write the scores (.npy).")
    var output = "scores.npy"

    func validate() throws {
        guard sigma > 0 && sigma.isFinite else { throw ValidationError("--sigma must be positive and finite, got \(sigma)") }
    }

    func execute() throws {
        try SingleProcess.require("eval-score")
        try OutputPath.prepareFile(output, extension: "npy")
        printNow(ThreadGovernor.shared.start(threads))
        let (checkpoint, network) = try model.load()
        let x = try DataFile.load(points)
        guard x.columns == checkpoint.configuration.dimension else {
            throw RunFailure("\(points) has \(x.columns) columns, the model is for \(checkpoint.configuration.dimension)-D points")
        }
        let scores = network.score(x, sigma: sigma)
        guard scores.isFinite else { throw RunFailure("the model produced NaN or infinite scores at sigma \(sigma)") }
        try NumpyArray(scores).write(to: output)
        printNow("wrote scores of \(x.rows) points at sigma \(sigma) to \(output)")
    }
}
