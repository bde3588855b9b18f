/// Everything one forward and backward pass of a `ScoreMLP` writes, allocated once for
/// batches of up to `capacity` rows and reused step after step (no allocation per step).
///
/// After `ScoreMLP.forward`, `score` holds s(x, sigma) for the batch; after
/// `ScoreMLP.backward`, `gradients` holds dL/dtheta in the model's flat parameter layout
/// and, if asked for, `inputGradient` holds dL/dx.
public final class MLPWorkspace {
    public let configuration: MLPConfiguration
    public let capacity: Int
    /// Rows of the last forward pass kept for `backward` (0 when none was kept).
    public internal(set) var batch = 0

    /// [capacity, d + 1]: the network input [x, log sigma].
    let input: FloatBuffer
    /// Per hidden layer, [capacity, H] each: pre-activation, activation, SiLU'(pre-activation).
    let preActivations: [FloatBuffer]
    let activations: [FloatBuffer]
    let slopes: [FloatBuffer]
    /// [capacity]: 1 / sigma per row.
    let inverseSigma: FloatBuffer
    /// [capacity, d]: the last layer's output f, where s = f / sigma.
    let output: FloatBuffer
    /// [capacity, d]: the score s(x, sigma).
    public let score: FloatBuffer
    /// Backward scratch: dL/df [capacity, d] and two [capacity, H] blocks used in turn.
    let outputGradient: FloatBuffer
    let hiddenGradients: (FloatBuffer, FloatBuffer)
    /// [capacity, d + 1]: dL/d[x, log sigma]; its first d columns are dL/dx.
    public let inputGradient: FloatBuffer
    /// dL/dtheta in the flat parameter layout.
    public let gradients: FloatBuffer

    public init(configuration: MLPConfiguration, capacity: Int) {
        precondition(capacity >= 1, "MLPWorkspace: capacity must be at least 1, got \(capacity)")
        self.configuration = configuration
        self.capacity = capacity
        let d = configuration.dimension, h = configuration.hiddenWidth, l = configuration.hiddenLayers
        input = FloatBuffer(count: capacity * (d + 1))
        preActivations = (0..<l).map { _ in FloatBuffer(count: capacity * h) }
        activations = (0..<l).map { _ in FloatBuffer(count: capacity * h) }
        slopes = (0..<l).map { _ in FloatBuffer(count: capacity * h) }
        inverseSigma = FloatBuffer(count: capacity)
        output = FloatBuffer(count: capacity * d)
        score = FloatBuffer(count: capacity * d)
        outputGradient = FloatBuffer(count: capacity * d)
        hiddenGradients = (FloatBuffer(count: capacity * h), FloatBuffer(count: capacity * h))
        inputGradient = FloatBuffer(count: capacity * (d + 1))
        gradients = FloatBuffer(count: configuration.parameterCount)
    }
}
