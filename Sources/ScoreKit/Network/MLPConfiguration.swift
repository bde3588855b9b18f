/// The shape of a score network `MLP(d, H, L)`: data dimension d, hidden width H,
/// number of hidden layers L (see `ScoreMLP`), what it is conditioned on and what its output means.
public struct MLPConfiguration: Sendable, Equatable, CustomStringConvertible {
    public let dimension: Int
    public let hiddenWidth: Int
    public let hiddenLayers: Int
    public let conditioning: Conditioning
    public let parameterisation: OutputParameterisation

    public init(dimension: Int, hiddenWidth: Int, hiddenLayers: Int, conditioning: Conditioning = .logSigma,
                parameterisation: OutputParameterisation = .score) {
        precondition(dimension >= 1, "MLPConfiguration: dimension must be at least 1, got \(dimension)")
        precondition(hiddenWidth >= 1, "MLPConfiguration: hidden width must be at least 1, got \(hiddenWidth)")
        precondition(hiddenLayers >= 1, "MLPConfiguration: hidden layers must be at least 1, got \(hiddenLayers)")
        if case let .time(width) = conditioning {
            precondition(width >= 2 && width % 2 == 0 && width <= 64, "MLPConfiguration: the time embedding's width must be even, 2 to 64, got \(width)")
        }
        self.dimension = dimension
        self.hiddenWidth = hiddenWidth
        self.hiddenLayers = hiddenLayers
        self.conditioning = conditioning
        self.parameterisation = parameterisation
    }

    /// Input columns: the d coordinates, then the conditioning features.
    public var inputWidth: Int { dimension + conditioning.width }

    /// The layers in order: (d + c) -> H, then H -> H (L - 1 times), then H -> d,
    /// packed back to back in one flat parameter buffer.
    public var layers: [Linear] {
        var shapes = [(inputWidth, hiddenWidth)]
        shapes += Array(repeating: (hiddenWidth, hiddenWidth), count: hiddenLayers - 1)
        shapes.append((hiddenWidth, dimension))
        var offset = 0
        return shapes.map { (inputs, outputs) in
            defer { offset += (inputs + 1) * outputs }
            return Linear(inputs: inputs, outputs: outputs, offset: offset)
        }
    }

    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Multiply-adds of one forward pass per row: the sum over layers of inputs x outputs.
    public var multiplyAddsPerRow: Int { layers.reduce(0) { $0 + $1.inputs * $1.outputs } }

    public var description: String {
        "MLP(d=\(dimension), H=\(hiddenWidth), L=\(hiddenLayers)" + (conditioning == .logSigma ? "" : ", \(conditioning)")
            + (parameterisation == .score ? ")" : ", eps)")
    }
}
