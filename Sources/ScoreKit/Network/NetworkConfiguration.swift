/// A network's shape as checkpoints, tools and the `NetworkRegistry` know it: enough to build
/// the network around a flat parameter vector, to name that vector's pieces as tensors, and to
/// save itself as checkpoint metadata and read itself back. `MLPConfiguration` conforms; a new
/// network's configuration conforms and is listed in `NetworkRegistry.configurations`.
public protocol NetworkConfiguration: Codable, Equatable, Sendable, CustomStringConvertible {
    /// "mlp", ...: the name the tools and reports use.
    static var networkName: String { get }
    /// The checkpoint's `format` metadata for a network of this kind.
    static var checkpointFormat: String { get }
    /// Coordinates per row of x (and of s).
    var dimension: Int { get }
    /// What the network's raw output is: the score, or the noise (s = -output / sigma_t).
    var parameterisation: OutputParameterisation { get }
    /// Length of the flat parameter vector.
    var parameterCount: Int { get }
    /// The flat parameter vector's pieces in order, with the names and shapes a PyTorch
    /// state dict gives them (`layers.0.weight` [out, in], ...).
    var tensors: [ParameterTensor] { get }
    /// The shape as checkpoint metadata, read back by `init(metadata:)` (beside `format`).
    var metadata: [String: String] { get }
    /// Reads `metadata`; throws `MetadataReader.Problem` naming a bad field.
    init(metadata: MetadataReader) throws
    /// The network of this shape holding `parameters` (`parameterCount` values).
    func network(parameters: [Float]) -> any ScoreNetwork
    /// The configuration `settings` describe for data of `dimension` coordinates (images of
    /// `image`, for image data), reading `conditioning` and outputting `parameterisation`; throws
    /// `NetworkSettings.Problem` naming the option at fault.
    init(settings: NetworkSettings, dimension: Int, image: ImageShape?, conditioning: Conditioning,
         parameterisation: OutputParameterisation) throws
    /// A new network of this shape, initialised from `rng`.
    func makeNetwork(rng: inout RandomSource) -> any ScoreNetwork
    /// Whether its passes carry forward-mode tangents (J v), which the Hyvarinen objectives need.
    var supportsTangents: Bool { get }
    /// The probability that a training step's forward pass drops a value (`Dropout`); when above
    /// 0, each step draws a `Dropout.Draw` for the batch. 0 unless the network says otherwise.
    var dropout: Double { get }
    /// Floats one training step keeps beyond the parameters for `batch` rows with `tangents`
    /// directions each (activations, their gradients, scratch): for the memory check before a run.
    func activationFloats(batch: Int, tangents: Int) -> Double
    /// The matrix products one forward pass over `rows` rows issues, with `training` those of its
    /// backward pass too, in the shapes the network calls them: what the bench times alone.
    func products(rows: Int, training: Bool) -> [ProductShape]
}

extension NetworkConfiguration {
    public var dropout: Double { 0 }

    /// Whether `other` is this very configuration (of the same network kind).
    public func isSame(as other: any NetworkConfiguration) -> Bool {
        (other as? Self) == self
    }
}

/// One named piece of a network's flat parameters: `count` values from `offset`, read as `shape`.
public struct ParameterTensor: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let offset: Int

    public init(name: String, shape: [Int], offset: Int) {
        self.name = name
        self.shape = shape
        self.offset = offset
    }

    public var count: Int { shape.reduce(1, *) }
}
