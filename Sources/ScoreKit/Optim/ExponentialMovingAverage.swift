/// An exponential moving average of the parameters, shadow <- decay * shadow + (1 - decay) * theta,
/// started at the initial parameters. Sampling from the averaged weights gives markedly
/// cleaner samples than the last iterate (Song and Ermon, 2020).
public final class ExponentialMovingAverage {
    public let decay: Float
    public let shadow: FloatBuffer

    public init(of parameters: FloatBuffer, decay: Float = 0.999) {
        precondition(decay >= 0 && decay < 1, "ExponentialMovingAverage: decay must lie in [0, 1), got \(decay)")
        self.decay = decay
        shadow = FloatBuffer(count: parameters.count)
        shadow.copy(from: parameters)
    }

    public func update(from parameters: FloatBuffer) {
        precondition(parameters.count == shadow.count, "ExponentialMovingAverage.update: count mismatch")
        Kernels.average(count: shadow.count, shadow.pointer, parameters.pointer, decay: decay)
    }
}
