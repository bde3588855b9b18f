import ArgumentParser
import ScoreKit

/// The score network named on the command line, for the tools that train one (train-dsm,
/// image-study): its kind and each kind's shape. Options not given keep the tool's defaults.
public struct NetworkOptions: ParsableArguments {
    @Option(name: [.customLong("network"), .customLong("model")],
            help: "The score network: \(NetworkRegistry.names.joined(separator: " or ")) (default: mlp; train-dsm on fashion-mnist: unet); --model is the same option.")
    public var network: String?

    @Option(name: .long, help: "unet: channels per level, comma-separated, each level after the first at half the sides (default: 32,64,128).")
    public var channels: String?

    @Option(name: .long, help: "unet: residual blocks per level (default: 2; train-dsm on images: \(UNetBudget.blocks)).")
    public var blocks: Int?

    @Option(name: .long, help: "unet: self-attention at the lowest level, true or false (default: true).")
    public var attention: Bool?

    @Option(name: .long, help: "unet: the probability that a training step drops each value before a residual block's second convolution, in [0, 1) (default: 0; DDPM used 0.1 on CIFAR-10).")
    public var dropout: Double?

    @Option(name: .long, help: "mlp: hidden width H (default: \(RunConfiguration.standard.network.hiddenWidth); 512 for images, 1024 for fashion-mnist).")
    public var hidden: Int?

    @Option(name: .long, help: "mlp: hidden layers L (default: \(RunConfiguration.standard.network.hiddenLayers); 3 for images, 2 for fashion-mnist).")
    public var layers: Int?

    public init() {}

    public func validate() throws {
        if let network, NetworkRegistry.configuration(named: network) == nil {
            throw ValidationError("--network \(network): use one of \(NetworkRegistry.names.joined(separator: ", "))")
        }
        if let dropout, let problem = UNetConfiguration.problem(dropout: dropout) {
            throw ValidationError("--dropout: \(problem)")
        }
        if let channels, parsedChannels == nil {
            throw ValidationError("--channels must list 1 to 6 channel counts, 1 to 4096, separated by commas, got '\(channels)'")
        }
        // The standard settings are within bounds, so this checks the options given.
        var settings = RunConfiguration.standard.network
        apply(to: &settings)
        try Limits.check(settings)
    }

    /// --channels as numbers; nil when not given or malformed.
    var parsedChannels: [Int]? {
        guard let parts = channels?.split(separator: ",", omittingEmptySubsequences: false), (1...6).contains(parts.count) else { return nil }
        let values = parts.compactMap { Int($0) }
        return values.count == parts.count && values.allSatisfy({ (1...4096).contains($0) }) ? values : nil
    }

    /// The options given, as they would be typed ("--network", "unet", ...), for a report's command line.
    public var arguments: [String] {
        let given: [(option: String, value: String?)] = [
            ("--network", network), ("--channels", channels), ("--blocks", blocks.map { String($0) }),
            ("--attention", attention.map { String($0) }), ("--dropout", dropout.map { String($0) }), ("--hidden", hidden.map { String($0) }), ("--layers", layers.map { String($0) })]
        return given.flatMap { given in given.value.map { [given.option, $0] } ?? [] }
    }

    /// `settings` with every option given here.
    public func apply(to settings: inout NetworkSettings) {
        if let network { settings.kind = network }
        if let channels = parsedChannels { settings.channels = channels }
        if let blocks { settings.blocks = blocks }
        if let attention { settings.attention = attention }
        if let dropout { settings.dropout = dropout }
        if let hidden { settings.hiddenWidth = hidden }
        if let layers { settings.hiddenLayers = layers }
    }
}
