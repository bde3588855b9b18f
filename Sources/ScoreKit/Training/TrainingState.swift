/// Everything beyond the weights and their average that a `ScoreTrainer` needs to continue a run
/// exactly: the steps taken, the random generator (which also fixes the order minibatches are
/// drawn in), the first step's loss scale (`divergenceFactor`) and the optimiser's state.
public struct TrainingState: Equatable, Sendable {
    public var step: Int
    public var random: [UInt64]
    public var lossScale: Double
    public var optimiser: OptimiserState

    public init(step: Int, random: [UInt64], lossScale: Double, optimiser: OptimiserState) {
        self.step = step
        self.random = random
        self.lossScale = lossScale
        self.optimiser = optimiser
    }

    /// A saved state that does not fit the trainer asked to continue from it.
    public struct Mismatch: Error, CustomStringConvertible {
        public let description: String
    }
}
