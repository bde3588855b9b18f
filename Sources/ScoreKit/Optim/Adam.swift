import Foundation

/// Adam (Kingma and Ba, 2015) exactly as PyTorch's `torch.optim.Adam` with no weight decay:
///
///     m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g^2,   t <- t + 1
///     theta <- theta - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
///
/// The optimiser is separate from the model: it owns only its moments and step count, laid out
/// like the flat parameter buffer, and updates every parameter in one vectorised pass
/// (`Kernels.adam`).
public final class Adam: Optimiser {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Updates taken so far.
    public private(set) var step = 0
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer

    public init(parameterCount: Int, learningRate: Float = 1e-3, beta1: Float = 0.9,
                beta2: Float = 0.999, epsilon: Float = 1e-8) {
        precondition(learningRate > 0 && learningRate.isFinite, "Adam: learning rate must be positive, got \(learningRate)")
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2), "Adam: betas must lie in [0, 1)")
        precondition(epsilon >= 0, "Adam: epsilon must not be negative")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        firstMoment = FloatBuffer(count: parameterCount)
        secondMoment = FloatBuffer(count: parameterCount)
    }

    public var state: OptimiserState {
        OptimiserState(step: step, buffers: ["adam.first_moment": firstMoment.array, "adam.second_moment": secondMoment.array])
    }

    public func restore(_ state: OptimiserState) throws {
        guard let m = state.buffers["adam.first_moment"], let v = state.buffers["adam.second_moment"], state.buffers.count == 2 else {
            throw OptimiserState.Mismatch(description: "not an Adam state: buffers \(state.buffers.keys.sorted())")
        }
        guard m.count == firstMoment.count, v.count == secondMoment.count, state.step >= 0 else {
            throw OptimiserState.Mismatch(description: "the Adam state holds \(m.count) moments at step \(state.step); this optimiser has \(firstMoment.count)")
        }
        step = state.step
        for i in 0..<m.count { firstMoment[i] = m[i]; secondMoment[i] = v[i] }
    }

    /// One update of `parameters` from `gradients` (same count as the optimiser was made for).
    public func update(parameters: FloatBuffer, gradients: FloatBuffer) {
        precondition(parameters.count == firstMoment.count && gradients.count == firstMoment.count,
                     "Adam.update: expected \(firstMoment.count) parameters and gradients")
        step += 1
        let t = Double(step)
        let correction1 = 1 - pow(Double(beta1), t)
        let correction2 = 1 - pow(Double(beta2), t)
        let stepSize = Float(Double(learningRate) / correction1)
        let rootCorrection2 = Float(correction2.squareRoot())
        Kernels.adam(count: parameters.count, parameters: parameters.pointer, gradients: gradients.pointer,
                     first: firstMoment.pointer, second: secondMoment.pointer, beta1: beta1, beta2: beta2,
                     stepSize: stepSize, rootCorrection2: rootCorrection2, epsilon: epsilon)
    }
}
