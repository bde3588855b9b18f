import ArgumentParser
import ScoreKit

/// The options of every tool that draws random numbers: its seed and the threads of its matrix
/// products. On one machine the two fix every byte a tool writes.
public struct RunOptions: ParsableArguments {
    /// nil when not given: train-dsm --resume then keeps the run's seed; every other use takes 0.
    @Option(name: .long, help: "Random seed: with the thread count it fixes every output byte (default: 0).")
    public var seed: UInt64?

    @Option(name: .long, help: ThreadCount.help)
    public var threads: ThreadCount = .automatic

    public init() {}

    /// The seed given, or 0.
    public var seedOrDefault: UInt64 { seed ?? 0 }

    /// Starts the thread governor with `--threads` and prints what it chose.
    public func startThreads() { printNow(ThreadGovernor.shared.start(threads)) }
}
