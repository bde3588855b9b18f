/// A trained score network on disk as `.safetensors`: tensors `layers.{i}.weight` [out, in] and
/// `layers.{i}.bias` [out] (the names of a PyTorch `nn.Sequential` of its `Linear`s), the
/// EMA weights as `ema.layers.{i}.*` when kept, and metadata describing how to use them.
public struct Checkpoint: Equatable, Sendable {
    public static let format = "scorekit-score-mlp-v1"

    public var configuration: MLPConfiguration
    public var parameters: [Float]
    public var emaParameters: [Float]?
    public var sigmaMin: Float
    public var sigmaMax: Float
    public var dataset: String
    public var seed: UInt64
    public var step: Int

    public init(configuration: MLPConfiguration, parameters: [Float], emaParameters: [Float]? = nil,
                sigmaMin: Float, sigmaMax: Float, dataset: String, seed: UInt64, step: Int) {
        self.configuration = configuration
        self.parameters = parameters
        self.emaParameters = emaParameters
        self.sigmaMin = sigmaMin
        self.sigmaMax = sigmaMax
        self.dataset = dataset
        self.seed = seed
        self.step = step
    }

    /// The network with the EMA weights (when `preferringEMA` and the checkpoint has them),
    /// else with the last weights.
    public func model(preferringEMA: Bool = true) -> ScoreMLP {
        ScoreMLP(configuration: configuration, parameters: preferringEMA ? emaParameters ?? parameters : parameters)
    }

    public var safeTensors: SafeTensors {
        var file = SafeTensors(metadata: [
            "format": Self.format,
            "dimension": String(configuration.dimension),
            "hidden_width": String(configuration.hiddenWidth),
            "hidden_layers": String(configuration.hiddenLayers),
            "sigma_min": String(sigmaMin),
            "sigma_max": String(sigmaMax),
            "dataset": dataset,
            "seed": String(seed),
            "step": String(step),
            "conditioning": "s(x, sigma) = f([x, log sigma]) / sigma",
            "activation": "silu",
        ])
        for (prefix, values) in [("", parameters), ("ema.", emaParameters)] {
            guard let values else { continue }
            for (i, layer) in configuration.layers.enumerated() {
                let w = Array(values[layer.offset..<layer.biasOffset])
                let b = Array(values[layer.biasOffset..<(layer.biasOffset + layer.outputs)])
                file.tensors["\(prefix)layers.\(i).weight"] = .init(shape: [layer.outputs, layer.inputs], values: w)
                file.tensors["\(prefix)layers.\(i).bias"] = .init(shape: [layer.outputs], values: b)
            }
        }
        return file
    }

    public func write(to path: String) throws { try safeTensors.write(to: path) }

    public static func read(_ path: String) throws -> Checkpoint {
        try Checkpoint(SafeTensors.read(path), name: path)
    }

    /// Rebuilds a checkpoint, refusing files that lack a field or whose tensors do not fit.
    public init(_ file: SafeTensors, name: String = "checkpoint") throws {
        func fail(_ why: String) -> InputError { InputError("\(name): not a ScoreKit checkpoint: \(why)") }
        let meta = file.metadata
        guard meta["format"] == Self.format else { throw fail("metadata 'format' is \(meta["format"] ?? "missing"), expected \(Self.format)") }
        func integer(_ key: String) throws -> Int {
            guard let text = meta[key], let value = Int(text), value >= 1 else { throw fail("metadata '\(key)' is missing or not a positive integer") }
            return value
        }
        func real(_ key: String) throws -> Float {
            guard let text = meta[key], let value = Float(text), value > 0, value.isFinite else { throw fail("metadata '\(key)' is missing or not a positive number") }
            return value
        }
        let config = MLPConfiguration(dimension: try integer("dimension"), hiddenWidth: try integer("hidden_width"),
                                      hiddenLayers: try integer("hidden_layers"))
        func flat(_ prefix: String) throws -> [Float] {
            var values: [Float] = []
            values.reserveCapacity(config.parameterCount)
            for (i, layer) in config.layers.enumerated() {
                let wName = "\(prefix)layers.\(i).weight", bName = "\(prefix)layers.\(i).bias"
                guard let w = file.tensors[wName], let b = file.tensors[bName] else {
                    throw fail("tensor \(wName) or \(bName) is missing")
                }
                guard w.shape == [layer.outputs, layer.inputs], b.shape == [layer.outputs] else {
                    throw fail("\(wName) has shape \(w.shape) and \(bName) \(b.shape); \(config) needs [\(layer.outputs), \(layer.inputs)] and [\(layer.outputs)]")
                }
                guard (w.values + b.values).allSatisfy({ $0.isFinite }) else { throw fail("\(wName) or \(bName) holds NaN or infinity") }
                values += w.values + b.values
            }
            return values
        }
        configuration = config
        parameters = try flat("")
        emaParameters = file.tensors["ema.layers.0.weight"] == nil ? nil : try flat("ema.")
        sigmaMin = try real("sigma_min")
        sigmaMax = try real("sigma_max")
        guard sigmaMin < sigmaMax else { throw fail("sigma_min \(sigmaMin) is not below sigma_max \(sigmaMax)") }
        dataset = meta["dataset"] ?? "unknown"
        guard let seedText = meta["seed"], let seedValue = UInt64(seedText) else { throw fail("metadata 'seed' is missing or not an unsigned integer") }
        seed = seedValue
        guard let stepText = meta["step"], let stepValue = Int(stepText), stepValue >= 0 else { throw fail("metadata 'step' is missing or negative") }
        step = stepValue
    }
}
