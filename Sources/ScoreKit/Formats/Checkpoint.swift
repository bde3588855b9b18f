/// A trained score network on disk as `.safetensors`: the network's parameters under the names
/// its configuration gives them (`NetworkConfiguration.tensors`; for the MLP `layers.{i}.weight`
/// [out, in] and `layers.{i}.bias` [out], a PyTorch `nn.Sequential` of its `Linear`s), the EMA
/// weights under the same names prefixed `ema.` when kept, and metadata describing how to use
/// them: the network's kind (`format`, looked up in `NetworkRegistry`) and shape, and the forward
/// process it was trained on (`process` and that process's parameters). A file written before
/// processes were recorded reads as variance exploding over its sigma range, and says so in `note`.
///
/// A checkpoint written during training also carries what continuing the run exactly needs
/// (`training`: the optimiser's buffers as `optimiser.{name}` tensors, its step, the random
/// generator's state and the first step's loss scale, bit for bit) and the tool's own record of
/// the run (`run`, metadata keys `run.{key}`).
public struct Checkpoint: Equatable, Sendable {
    public var configuration: any NetworkConfiguration
    public var parameters: [Float]
    public var emaParameters: [Float]?
    public var process: any ForwardProcess
    public var dataset: String
    public var seed: UInt64
    public var step: Int
    /// The state to continue training from, when saved.
    public var training: TrainingState?
    /// A tool's record of the run (train-dsm: its configuration as JSON, measurements so far), as text.
    public var run: [String: String] = [:]
    /// Set when the file predates something it is now read with (a default it took).
    public private(set) var note: String?

    public init(configuration: any NetworkConfiguration, parameters: [Float], emaParameters: [Float]? = nil,
                process: any ForwardProcess, dataset: String, seed: UInt64, step: Int) {
        self.configuration = configuration
        self.parameters = parameters
        self.emaParameters = emaParameters
        self.process = process
        self.dataset = dataset
        self.seed = seed
        self.step = step
    }

    /// A variance-exploding model over [sigmaMin, sigmaMax].
    public init(configuration: any NetworkConfiguration, parameters: [Float], emaParameters: [Float]? = nil,
                sigmaMin: Float, sigmaMax: Float, dataset: String, seed: UInt64, step: Int) {
        self.init(configuration: configuration, parameters: parameters, emaParameters: emaParameters,
                  process: VarianceExploding(sigmas: .logUniform(min: sigmaMin, max: sigmaMax)), dataset: dataset, seed: seed, step: step)
    }

    /// Two checkpoints are equal when they write the same file.
    public static func == (a: Checkpoint, b: Checkpoint) -> Bool { a.safeTensors == b.safeTensors }

    /// The network with the EMA weights (when `preferringEMA` and the checkpoint has them),
    /// else with the last weights.
    public func model(preferringEMA: Bool = true) -> any ScoreNetwork {
        configuration.network(parameters: preferringEMA ? emaParameters ?? parameters : parameters)
    }

    public var safeTensors: SafeTensors {
        var meta = configuration.metadata
        meta["format"] = type(of: configuration).checkpointFormat
        meta["dataset"] = dataset
        meta["seed"] = String(seed)
        meta["step"] = String(step)
        meta.merge(process.metadata) { _, new in new }
        for (key, value) in run { meta["run.\(key)"] = value }
        if let training {
            meta["random_state"] = training.random.map { String($0, radix: 16) }.joined(separator: ",")
            meta["loss_scale"] = String(training.lossScale.bitPattern, radix: 16)
            meta["optimiser_step"] = String(training.optimiser.step)
        }
        var file = SafeTensors(metadata: meta)
        for (name, values) in training?.optimiser.buffers ?? [:] {
            file.tensors["optimiser.\(name)"] = .init(shape: [values.count], values: values)
        }
        for (prefix, values) in [("", parameters), ("ema.", emaParameters)] {
            guard let values else { continue }
            for tensor in configuration.tensors {
                file.tensors[prefix + tensor.name] = .init(shape: tensor.shape, values: Array(values[tensor.offset..<(tensor.offset + tensor.count)]))
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
        guard let kind = NetworkRegistry.configuration(format: meta["format"] ?? "") else {
            throw fail("metadata 'format' is \(meta["format"] ?? "missing"), expected \(NetworkRegistry.formats.joined(separator: " or "))")
        }
        let reader = MetadataReader(meta)
        /// The reader's problems, as this file's.
        func field<T>(_ read: () throws -> T) throws -> T {
            do { return try read() } catch let problem as MetadataReader.Problem { throw fail(problem.description) }
        }
        let config = try field { try kind.init(metadata: reader) }
        // The metadata's sizes must agree with the tensors present before anything is sized by them.
        let present = file.tensors.values.reduce(0) { $0 + $1.values.count }
        guard config.parameterCount <= present else {
            throw fail("the metadata describes \(config), \(config.parameterCount) parameters, but the file holds \(present) values")
        }
        func flat(_ prefix: String) throws -> [Float] {
            var values = [Float](repeating: 0, count: config.parameterCount)
            for expected in config.tensors {
                let name = prefix + expected.name
                guard let tensor = file.tensors[name] else { throw fail("tensor \(name) is missing") }
                guard tensor.shape == expected.shape else { throw fail("\(name) has shape \(tensor.shape); \(config) needs \(expected.shape)") }
                guard tensor.values.allSatisfy({ $0.isFinite }) else { throw fail("\(name) holds NaN or infinity") }
                values.replaceSubrange(expected.offset..<(expected.offset + expected.count), with: tensor.values)
            }
            return values
        }
        configuration = config
        parameters = try flat("")
        emaParameters = file.tensors.keys.contains { $0.hasPrefix("ema.") } ? try flat("ema.") : nil
        if meta["process"] == nil {
            let legacy = try field { try VarianceExploding(metadata: reader) }
            process = legacy
            note = "\(name) predates recorded processes: read as variance exploding over sigma \(legacy.sigmas.range.lowerBound) to \(legacy.sigmas.range.upperBound)"
        } else {
            process = try field { try ProcessRegistry.process(from: reader) }
        }
        dataset = meta["dataset"] ?? "unknown"
        guard let seedText = meta["seed"], let seedValue = UInt64(seedText) else { throw fail("metadata 'seed' is missing or not an unsigned integer") }
        seed = seedValue
        guard let stepText = meta["step"], let stepValue = Int(stepText), stepValue >= 0 else { throw fail("metadata 'step' is missing or negative") }
        step = stepValue
        run = Dictionary(uniqueKeysWithValues: meta.filter { $0.key.hasPrefix("run.") }.map { (String($0.key.dropFirst(4)), $0.value) })
        if let randomText = meta["random_state"] {
            let words = randomText.split(separator: ",").compactMap { UInt64($0, radix: 16) }
            guard words.count == 4, words.contains(where: { $0 != 0 }) else { throw fail("metadata 'random_state' is not four hexadecimal words") }
            guard let scaleText = meta["loss_scale"], let scaleBits = UInt64(scaleText, radix: 16), Double(bitPattern: scaleBits).isFinite,
                  let optimiserText = meta["optimiser_step"], let optimiserStep = Int(optimiserText), optimiserStep >= 0 else {
                throw fail("metadata 'loss_scale' or 'optimiser_step' is missing or malformed")
            }
            var buffers: [String: [Float]] = [:]
            for (name, tensor) in file.tensors where name.hasPrefix("optimiser.") {
                guard tensor.shape == [config.parameterCount], tensor.values.allSatisfy(\.isFinite) else {
                    throw fail("\(name) has shape \(tensor.shape) or non-finite values; the network has \(config.parameterCount) parameters")
                }
                buffers[String(name.dropFirst("optimiser.".count))] = tensor.values
            }
            training = TrainingState(step: stepValue, random: words, lossScale: Double(bitPattern: scaleBits),
                                     optimiser: OptimiserState(step: optimiserStep, buffers: buffers))
        }
    }
}
