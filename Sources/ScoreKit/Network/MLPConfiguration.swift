/// The shape of a score network `MLP(d, H, L)`: data dimension d, hidden width H,
/// number of hidden layers L (see `ScoreMLP`), what it is conditioned on and what its output means.
public struct MLPConfiguration: NetworkConfiguration {
    public let dimension: Int
    public let hiddenWidth: Int
    public let hiddenLayers: Int
    public let conditioning: Conditioning
    public let parameterisation: OutputParameterisation

    public init(dimension: Int, hiddenWidth: Int, hiddenLayers: Int, conditioning: Conditioning = .logSigma,
                parameterisation: OutputParameterisation = .score) {
        if let problem = Self.problem(dimension: dimension, hiddenWidth: hiddenWidth, hiddenLayers: hiddenLayers, conditioning: conditioning) {
            preconditionFailure("MLPConfiguration: \(problem)")
        }
        self.dimension = dimension
        self.hiddenWidth = hiddenWidth
        self.hiddenLayers = hiddenLayers
        self.conditioning = conditioning
        self.parameterisation = parameterisation
    }

    /// Decodes a configuration, refusing (with the reason) one the initialiser would trap on.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let dimension = try container.decode(Int.self, forKey: .dimension)
        let hiddenWidth = try container.decode(Int.self, forKey: .hiddenWidth)
        let hiddenLayers = try container.decode(Int.self, forKey: .hiddenLayers)
        let conditioning = try container.decode(Conditioning.self, forKey: .conditioning)
        if let problem = Self.problem(dimension: dimension, hiddenWidth: hiddenWidth, hiddenLayers: hiddenLayers, conditioning: conditioning) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem))
        }
        self.init(dimension: dimension, hiddenWidth: hiddenWidth, hiddenLayers: hiddenLayers, conditioning: conditioning,
                  parameterisation: try container.decode(OutputParameterisation.self, forKey: .parameterisation))
    }

    /// Why these sizes make no network (nil when they do): each at least 1, a time embedding of
    /// even width 2 to 64.
    public static func problem(dimension: Int, hiddenWidth: Int, hiddenLayers: Int, conditioning: Conditioning) -> String? {
        if dimension < 1 { return "dimension must be at least 1, got \(dimension)" }
        if hiddenWidth < 1 { return "hidden width must be at least 1, got \(hiddenWidth)" }
        if hiddenLayers < 1 { return "hidden layers must be at least 1, got \(hiddenLayers)" }
        if case let .time(width) = conditioning, !(width >= 2 && width % 2 == 0 && width <= 64) {
            return "the time embedding's width must be even, 2 to 64, got \(width)"
        }
        return nil
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

    public static var networkName: String { "mlp" }
    public static var checkpointFormat: String { "scorekit-score-mlp-v1" }

    /// `layers.{i}.weight` [out, in] and `layers.{i}.bias` [out]: a PyTorch `nn.Sequential` of
    /// its `Linear`s.
    public var tensors: [ParameterTensor] {
        layers.enumerated().flatMap { i, layer in
            [ParameterTensor(name: "layers.\(i).weight", shape: [layer.outputs, layer.inputs], offset: layer.offset),
             ParameterTensor(name: "layers.\(i).bias", shape: [layer.outputs], offset: layer.biasOffset)]
        }
    }

    public var metadata: [String: String] {
        var meta = [
            "dimension": String(dimension),
            "hidden_width": String(hiddenWidth),
            "hidden_layers": String(hiddenLayers),
            "parameterisation": parameterisation.rawValue,
            "activation": "silu",
        ]
        switch conditioning {
        case .logSigma:
            meta["conditioning"] = "s(x, sigma) = f([x, log sigma]) / sigma"
        case let .time(width):
            meta["conditioning"] = "f([x, sin(w_k t), cos(w_k t)]), w_k = 1000 / 2^k, k < width / 2"
            meta["time_embedding"] = String(width)
        }
        if parameterisation == .noise { meta["conditioning"]! += "; s = -f / sigma_t" }
        return meta
    }

    /// Sizes up to 2^20 coordinates, 2^16 hidden units and 1,024 layers; the time embedding's
    /// width even, at most 64; no `parameterisation` reads as `score` (files before it existed).
    public init(metadata: MetadataReader) throws {
        let conditioning: Conditioning
        if metadata["time_embedding"] != nil {
            let width = try metadata.integer("time_embedding", atMost: 64)
            guard width % 2 == 0 else { throw MetadataReader.Problem("metadata 'time_embedding' must be even, got \(width)") }
            conditioning = .time(width: width)
        } else {
            conditioning = .logSigma
        }
        let parameterisation = try metadata["parameterisation"].map { text in
            guard let value = OutputParameterisation(rawValue: text) else {
                throw MetadataReader.Problem("metadata 'parameterisation' is \(text), expected score or eps")
            }
            return value
        } ?? .score
        self.init(dimension: try metadata.integer("dimension", atMost: 1 << 20), hiddenWidth: try metadata.integer("hidden_width", atMost: 1 << 16),
                  hiddenLayers: try metadata.integer("hidden_layers", atMost: 1024), conditioning: conditioning, parameterisation: parameterisation)
    }

    public func network(parameters: [Float]) -> any ScoreNetwork {
        ScoreMLP(configuration: self, parameters: parameters)
    }

    /// Reads `hiddenWidth` (--hidden) and `hiddenLayers` (--layers), each 1 to 65,536 and 1,024.
    public init(settings: NetworkSettings, dimension: Int, image: ImageShape?, conditioning: Conditioning,
                parameterisation: OutputParameterisation) throws {
        if let problem = Self.problem(dimension: dimension, hiddenWidth: settings.hiddenWidth, hiddenLayers: settings.hiddenLayers,
                                      conditioning: conditioning) {
            throw NetworkSettings.Problem("--network mlp: \(problem)")
        }
        self.init(dimension: dimension, hiddenWidth: settings.hiddenWidth, hiddenLayers: settings.hiddenLayers,
                  conditioning: conditioning, parameterisation: parameterisation)
    }

    public func makeNetwork(rng: inout RandomSource) -> any ScoreNetwork {
        ScoreMLP(configuration: self, rng: &rng)
    }

    /// Per layer the forward product, and in training dL/dW and dL/dx (but the first layer's,
    /// whose input gradient training does not need).
    public func products(rows: Int, training: Bool) -> [ProductShape] {
        layers.enumerated().flatMap { index, layer -> [ProductShape] in
            let forward = ProductShape(m: rows, n: layer.outputs, k: layer.inputs, transposeA: false, transposeB: true, layer: "linear")
            guard training else { return [forward] }
            let weightGradient = ProductShape(m: layer.outputs, n: layer.inputs, k: rows, transposeA: true, transposeB: false, layer: "linear")
            let inputGradient = ProductShape(m: rows, n: layer.inputs, k: layer.outputs, transposeA: false, transposeB: false, layer: "linear")
            return index == 0 ? [forward, weightGradient] : [forward, weightGradient, inputGradient]
        }
    }

    public var supportsTangents: Bool { true }

    /// Per row and tangent: the input, each layer's pre-activation, activation and slope, the
    /// output; per row the curvatures and the output's gradients.
    public func activationFloats(batch: Int, tangents: Int) -> Double {
        let d = Double(dimension), h = Double(hiddenWidth), l = Double(hiddenLayers), width = Double(inputWidth)
        let rows = Double(batch) * Double(1 + tangents)
        return rows * (2 * width + 3 * l * h + 3 * d) + Double(batch) * (2 * l * h + 2 * d)
    }
}
