/// Training produced a NaN or infinite loss or gradient. Nothing was updated at `step`, so the
/// parameters (and any checkpoint saved before) are the last good ones.
public struct TrainingDiverged: Error, CustomStringConvertible {
    public let step: Int
    public let loss: Double

    public var description: String {
        "training diverged at step \(step): loss \(loss)"
            + (loss.isFinite ? " with non-finite gradients" : "")
            + "; try a smaller learning rate or a larger sigma-min"
    }
}
