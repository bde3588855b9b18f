/// A convolutional U-Net score network over images (see `UNetGraph` for its structure): s(x, t)
/// = f(x, embedding) / tau, or -f / sigma for a noise-predicting one, with x read as the NHWC
/// rows of a `height * width * imageChannels` image. The parameters are one flat buffer laid out
/// tensor by tensor in PyTorch's shapes (`UNetConfiguration.tensors`); activations live in a
/// `UNetPass`. It answers without tangents: the Hyvarinen objectives and forward-mode queries
/// need the MLP.
public final class UNet {
    public let configuration: UNetConfiguration
    public let parameters: FloatBuffer
    let graph: UNetGraph
    /// When set, its passes record their seconds per layer kind here (`bench --profile`).
    public var profile: LayerProfile?

    /// A network initialised layer by layer from `rng`, as PyTorch would, but with each residual
    /// block's last convolution, each attention's output projection and the output convolution at
    /// zero: the network starts at s = 0 and each block as the identity.
    public init(configuration: UNetConfiguration, rng: inout RandomSource) {
        self.configuration = configuration
        graph = configuration.graph
        parameters = FloatBuffer(count: graph.parameterCount)
        graph.initialize(parameters.pointer, rng: &rng)
    }

    /// A network with the given flat parameters (as in a checkpoint).
    public init(configuration: UNetConfiguration, parameters values: [Float]) {
        graph = configuration.graph
        precondition(values.count == graph.parameterCount,
                     "UNet: \(values.count) parameters given, \(configuration) has \(graph.parameterCount)")
        self.configuration = configuration
        parameters = FloatBuffer(values)
    }

    /// Floats a pass for `capacity` images keeps: the feature maps with their gradients and the
    /// layers' own buffers (for the note on memory; the scratch of the convolutions included).
    public func passFloats(capacity: Int) -> Int {
        UNetPass(network: self, capacity: capacity).floats
    }
}

extension UNet: ScoreNetwork {
    public var dimension: Int { configuration.dimension }
    public var conditioning: Conditioning { configuration.conditioning }

    public func makePass(capacity: Int, tangentCount: Int) -> any NetworkPass {
        precondition(tangentCount == 0, "UNet: forward-mode tangents are not supported (\(tangentCount) asked)")
        return UNetPass(network: self, capacity: capacity)
    }

    public func withParameters(_ values: [Float]) -> UNet {
        UNet(configuration: configuration, parameters: values)
    }
}
