/// Training produced a NaN or infinite loss or gradient, or a finite loss that exploded (more
/// than `factor` times the first step's in size). Nothing was updated at `step`, so the
/// parameters (and any checkpoint saved before) are the last good ones.
public struct TrainingDiverged: Error, CustomStringConvertible {
    public let step: Int
    public let loss: Double
    /// For a finite explosion: the first step's |loss| and the factor it was exceeded by.
    public let explosion: (scale: Double, factor: Double)?

    public init(step: Int, loss: Double, explosion: (scale: Double, factor: Double)? = nil) {
        self.step = step
        self.loss = loss
        self.explosion = explosion
    }

    public var description: String {
        let why: String
        if let explosion {
            why = String(format: "loss %.3g, more than %g times the first step's %.3g", loss, explosion.factor, explosion.scale)
        } else {
            why = "loss \(loss)" + (loss.isFinite ? " with non-finite gradients" : "")
        }
        return "training diverged at step \(step): \(why); try a smaller learning rate or a larger sigma-min"
    }
}
