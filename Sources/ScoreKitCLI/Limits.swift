import ArgumentParser
import Foundation
import ScoreKit

/// One home for the bounds on what a user may ask for: each size option's range, a memory
/// estimate that refuses work that cannot fit before any of it starts, and the thread count.
public enum Limits {
    /// Training steps: the loss history keeps one number per step.
    public static let trainingSteps = 10_000_000
    /// Rows per minibatch.
    public static let batch = 1 << 20
    /// Hidden width and layers: what a checkpoint may record.
    public static let hiddenWidth = 1 << 16
    public static let hiddenLayers = 1024
    /// Points drawn from a built-in data set.
    public static let dataPoints = 100_000_000
    /// Hutchinson projections per row.
    public static let projections = 1024
    /// Noise levels of an NCSN ladder (`--sigma-levels`; NCSN++ uses 2,000).
    public static let sigmaLevels = 100_000
    /// Steps of a discrete chain (`--timesteps`; DDPM uses 1,000).
    public static let timesteps = 100_000
    /// Samples drawn in one run, all chains moving together.
    public static let samples = 10_000_000
    /// Residual blocks per U-Net level.
    public static let blocks = 8
    /// Dimensions exact score matching trains in: it pushes d tangents through the network per
    /// row, 1 + d stacked passes a step (65 at d = 64, the digits; 785 at d = 784).
    public static let exactScoreMatchingDimension = 64

    /// Throws "--option must lie in lo...hi, got v" unless `value` lies in `range`.
    public static func check(_ value: Int, _ option: String, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw ValidationError("\(option) must lie in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
    }

    /// Throws unless `features` is an even number of time-embedding features, 2 to 64.
    public static func checkTimeEmbedding(_ features: Int) throws {
        guard features >= 2 && features <= 64 && features % 2 == 0 else {
            throw ValidationError("--time-embedding must be even, 2 to 64, got \(features)")
        }
    }

    /// Throws the first of a network's sizes outside its option's bounds, named by the option.
    public static func check(_ network: NetworkSettings) throws {
        try checkTimeEmbedding(network.timeEmbedding)
        try check(network.hiddenWidth, "--hidden", in: 1...Self.hiddenWidth)
        try check(network.hiddenLayers, "--layers", in: 1...Self.hiddenLayers)
        if let blocks = network.blocks { try check(blocks, "--blocks", in: 1...Self.blocks) }
    }

    /// Refuses `what` when it needs more than half of the machine's memory, saying how much.
    public static func checkMemory(bytes: Double, for what: String) throws {
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        guard bytes <= available / 2 else {
            throw ValidationError(String(format: "%@ needs %.3g GB of memory; this machine has %.3g GB", what, bytes / 1e9, available / 1e9))
        }
    }

    /// Bytes to train `configuration` with `batch` rows and `tangents` directions per row:
    /// the parameters, their gradients, Adam's two moments and the weight average, and the
    /// activations of one step (Double, so that no size overflows).
    public static func trainingBytes(_ configuration: any NetworkConfiguration, batch: Int, tangents: Int = 0) -> Double {
        4 * (5 * Double(configuration.parameterCount) + configuration.activationFloats(batch: batch, tangents: tangents))
    }
}
