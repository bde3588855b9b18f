import Foundation
import ArgumentParser
import ScoreKit

/// A saved model to load, and which of its weights to use.
public struct CheckpointOptions: ParsableArguments {
    public enum Weights: String, ExpressibleByArgument, CaseIterable {
        case ema, last
    }

    @Option(name: .long, help: "A .safetensors checkpoint written by train-dsm.")
    public var checkpoint: String

    @Option(name: .long, help: "Which weights: ema (the moving average, if the checkpoint has it) or last.")
    public var weights: Weights = .ema

    public init() {}

    /// The checkpoint and the network with the chosen weights (EMA falls back to the last
    /// weights when the checkpoint has none).
    public func load() throws -> (Checkpoint, any ScoreNetwork) {
        let file = try Checkpoint.read(checkpoint)
        return (file, file.model(preferringEMA: weights == .ema))
    }
}
