/// Everything one forward and backward pass of a `ScoreMLP` writes, allocated once for
/// batches of up to `capacity` rows and reused step after step (no allocation per step).
///
/// With `tangentCount` M > 0 the workspace also carries M forward-mode tangents per row: for a
/// batch of B rows every activation block holds B primal rows followed by M blocks of B tangent
/// rows, so each layer's products run once over B (1 + M) rows.
///
/// After `ScoreMLP.forward`, `score` holds s(x, sigma) for the batch and `tangentScore` the
/// Jacobian-vector products (ds/dx) v_m; after `ScoreMLP.backward`, `gradients` holds dL/dtheta
/// in the model's flat parameter layout and, if asked for, `inputGradient` holds dL/dx.
public final class MLPWorkspace {
    public let configuration: MLPConfiguration
    public let capacity: Int
    /// Forward-mode directions carried per row (0: none).
    public let tangentCount: Int
    /// Rows of the last forward pass kept for `backward` (0 when none was kept).
    public internal(set) var batch = 0

    /// [rows, d + c]: the network input [x, conditioning features], then the directions [v_m, 0].
    let input: FloatBuffer
    /// Per hidden layer, [rows, H]: pre-activations (then their tangents), and activations
    /// (then the activation tangents).
    let preActivations: [FloatBuffer]
    let activations: [FloatBuffer]
    /// Per hidden layer, [capacity, H]: SiLU' and, with tangents, SiLU'' at the pre-activations.
    let slopes: [FloatBuffer]
    let curvatures: [FloatBuffer]
    /// [capacity]: 1 / tau per row, the output scale (sigma unless the caller gave another).
    let inverseOutputScale: FloatBuffer
    /// [rows, d]: the last layer's output f (then its tangents), where s = f / tau.
    let output: FloatBuffer
    /// [capacity, d]: the score s(x, sigma).
    package let score: FloatBuffer
    /// [M * capacity, d]: block m holds (ds/dx) v_m for the batch's rows.
    package let tangentScore: FloatBuffer
    /// Backward scratch: dL/df [rows, d] and two [rows, H] blocks used in turn.
    let outputGradient: FloatBuffer
    let hiddenGradients: (FloatBuffer, FloatBuffer)
    /// [rows, d + c]: the first `batch` rows are dL/d[x, features]; their first d columns are dL/dx.
    package let inputGradient: FloatBuffer
    /// dL/dtheta in the flat parameter layout.
    public let gradients: FloatBuffer
    /// When every row shares its conditioning: the features once, and the first layer's bias with
    /// their contribution folded in.
    let sharedFeatures: FloatBuffer
    let sharedBias: FloatBuffer

    public init(configuration: MLPConfiguration, capacity: Int, tangentCount: Int = 0) {
        precondition(capacity >= 1, "MLPWorkspace: capacity must be at least 1, got \(capacity)")
        precondition(tangentCount >= 0, "MLPWorkspace: tangent count must not be negative")
        self.configuration = configuration
        self.capacity = capacity
        self.tangentCount = tangentCount
        let d = configuration.dimension, h = configuration.hiddenWidth, l = configuration.hiddenLayers
        let rows = capacity * (1 + tangentCount)
        let width = configuration.inputWidth
        input = FloatBuffer(count: rows * width)
        preActivations = (0..<l).map { _ in FloatBuffer(count: rows * h) }
        activations = (0..<l).map { _ in FloatBuffer(count: rows * h) }
        slopes = (0..<l).map { _ in FloatBuffer(count: capacity * h) }
        curvatures = tangentCount > 0 ? (0..<l).map { _ in FloatBuffer(count: capacity * h) } : []
        inverseOutputScale = FloatBuffer(count: capacity)
        output = FloatBuffer(count: rows * d)
        score = FloatBuffer(count: capacity * d)
        tangentScore = FloatBuffer(count: tangentCount * capacity * d)
        outputGradient = FloatBuffer(count: rows * d)
        hiddenGradients = (FloatBuffer(count: rows * h), FloatBuffer(count: rows * h))
        inputGradient = FloatBuffer(count: rows * width)
        gradients = FloatBuffer(count: configuration.parameterCount)
        sharedFeatures = FloatBuffer(count: configuration.conditioning.width)
        sharedBias = FloatBuffer(count: h)
    }
}
