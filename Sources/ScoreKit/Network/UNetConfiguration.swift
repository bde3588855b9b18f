/// The shape of a `UNet`: images of `height` x `width` x `imageChannels`, one level per entry of
/// `channels` (each level after the first at half the sides of the one above), `blocks` residual
/// blocks per level, self-attention at the lowest level, group norms of `groups` groups, the
/// residual blocks' dropout rate in training (0 by default, as DDPM on CIFAR-10 uses 0.1), and
/// what the network reads and outputs (`Conditioning`, `OutputParameterisation`) as for the MLP.
public struct UNetConfiguration: NetworkConfiguration {
    public let height: Int
    public let width: Int
    public let imageChannels: Int
    public let channels: [Int]
    public let blocks: Int
    public let attention: Bool
    public let groups: Int
    public let conditioning: Conditioning
    public let parameterisation: OutputParameterisation
    public let dropout: Double

    /// The default for 28 x 28 grey images: channels 32, 64, 128 at 28, 14 and 7, two blocks per
    /// level, attention at 7 x 7, eight groups.
    public init(height: Int, width: Int, imageChannels: Int = 1, channels: [Int] = [32, 64, 128], blocks: Int = 2,
                attention: Bool = true, groups: Int = 8, conditioning: Conditioning = .time(width: 32),
                parameterisation: OutputParameterisation = .noise, dropout: Double = 0) {
        if let problem = Self.problem(height: height, width: width, imageChannels: imageChannels, channels: channels,
                                      blocks: blocks, groups: groups, conditioning: conditioning) ?? Self.problem(dropout: dropout) {
            preconditionFailure("UNetConfiguration: \(problem)")
        }
        self.height = height
        self.width = width
        self.imageChannels = imageChannels
        self.channels = channels
        self.blocks = blocks
        self.attention = attention
        self.groups = groups
        self.conditioning = conditioning
        self.parameterisation = parameterisation
        self.dropout = dropout
    }

    /// Decodes a configuration, refusing (with the reason) one the initialiser would trap on.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let (height, width, imageChannels) = try (c.decode(Int.self, forKey: .height), c.decode(Int.self, forKey: .width),
                                                  c.decode(Int.self, forKey: .imageChannels))
        let (channels, blocks, groups) = try (c.decode([Int].self, forKey: .channels), c.decode(Int.self, forKey: .blocks),
                                              c.decode(Int.self, forKey: .groups))
        let conditioning = try c.decode(Conditioning.self, forKey: .conditioning)
        let dropout = try c.decodeIfPresent(Double.self, forKey: .dropout) ?? 0
        if let problem = Self.problem(height: height, width: width, imageChannels: imageChannels, channels: channels,
                                      blocks: blocks, groups: groups, conditioning: conditioning) ?? Self.problem(dropout: dropout) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem))
        }
        self.init(height: height, width: width, imageChannels: imageChannels, channels: channels, blocks: blocks,
                  attention: try c.decode(Bool.self, forKey: .attention), groups: groups, conditioning: conditioning,
                  parameterisation: try c.decode(OutputParameterisation.self, forKey: .parameterisation), dropout: dropout)
    }

    /// Encodes every field, the dropout rate only when above 0 (so that configurations without
    /// dropout read as they did before it existed).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(height, forKey: .height)
        try c.encode(width, forKey: .width)
        try c.encode(imageChannels, forKey: .imageChannels)
        try c.encode(channels, forKey: .channels)
        try c.encode(blocks, forKey: .blocks)
        try c.encode(attention, forKey: .attention)
        try c.encode(groups, forKey: .groups)
        try c.encode(conditioning, forKey: .conditioning)
        try c.encode(parameterisation, forKey: .parameterisation)
        if dropout > 0 { try c.encode(dropout, forKey: .dropout) }
    }

    private enum CodingKeys: String, CodingKey {
        case height, width, imageChannels, channels, blocks, attention, groups, conditioning, parameterisation, dropout
    }

    /// Why a dropout rate is not one (nil when it is): a number in [0, 1).
    public static func problem(dropout: Double) -> String? {
        dropout >= 0 && dropout < 1 ? nil : "the dropout rate must lie in [0, 1), got \(dropout)"
    }

    /// Why these sizes make no U-Net (nil when they do): sides 1 to 4,096 that halve evenly down
    /// to the lowest level; 1 to 6 levels of 1 to 4,096 channels; 1 to 8 blocks; image channels 1
    /// to 4; groups that divide every normalised width (each level's channels, and each sum a skip
    /// concatenation makes); a time embedding of even width 2 to 64.
    public static func problem(height: Int, width: Int, imageChannels: Int, channels: [Int], blocks: Int, groups: Int,
                               conditioning: Conditioning) -> String? {
        guard (1...6).contains(channels.count) else { return "a U-Net has 1 to 6 levels, got \(channels.count)" }
        if let bad = channels.first(where: { !(1...4096).contains($0) }) { return "channels must be 1 to 4096, got \(bad)" }
        if !(1...4096).contains(height) || !(1...4096).contains(width) { return "image sides must be 1 to 4096, got \(height)x\(width)" }
        if !(1...4).contains(imageChannels) { return "image channels must be 1 to 4, got \(imageChannels)" }
        if !(1...8).contains(blocks) { return "blocks per level must be 1 to 8, got \(blocks)" }
        let halvings = 1 << (channels.count - 1)
        if height % halvings != 0 || width % halvings != 0 {
            return "\(height)x\(width) images do not halve evenly \(channels.count - 1) times for \(channels.count) levels"
        }
        var widths = Set(channels)
        for (i, c) in channels.enumerated() {
            widths.insert(c + c)
            if i > 0 { widths.insert(c + channels[i - 1]); widths.insert(channels[i - 1] + c) }
        }
        if groups < 1 { return "groups must be at least 1, got \(groups)" }
        if let bad = widths.sorted().first(where: { $0 % groups != 0 }) {
            return "\(groups) groups do not divide the \(bad) channels some group norm sees"
        }
        if case let .time(width) = conditioning, !(width >= 2 && width % 2 == 0 && width <= 64) {
            return "the time embedding's width must be even, 2 to 64, got \(width)"
        }
        return nil
    }

    public var dimension: Int { height * width * imageChannels }

    var graph: UNetGraph { UNetGraph(self) }

    public var parameterCount: Int { graph.parameterCount }

    public var tensors: [ParameterTensor] { graph.tensors }

    public var description: String {
        "UNet(\(height)x\(width)x\(imageChannels), channels \(channels.map(String.init).joined(separator: ",")), \(blocks) block\(blocks == 1 ? "" : "s")"
            + (attention ? ", attention" : "") + (dropout > 0 ? ", dropout \(dropout)" : "") + ", \(conditioning)"
            + (parameterisation == .score ? ")" : ", eps)")
    }

    public static var networkName: String { "unet" }
    public static var checkpointFormat: String { "scorekit-score-unet-v1" }

    public var metadata: [String: String] {
        var meta = [
            "image_height": String(height), "image_width": String(width), "image_channels": String(imageChannels),
            "channels": channels.map(String.init).joined(separator: ","), "blocks": String(blocks),
            "attention": String(attention), "groups": String(groups), "parameterisation": parameterisation.rawValue,
            "layout": "x as rows of height * width * channels (NHWC); tensors as PyTorch's [out, in, kh, kw]",
        ]
        switch conditioning {
        case .logSigma: meta["conditioning"] = "embedding of log sigma"
        case let .time(width):
            meta["conditioning"] = "embedding of [sin(w_k t), cos(w_k t)], w_k = 1000 / 2^k, k < width / 2"
            meta["time_embedding"] = String(width)
        }
        if dropout > 0 { meta["dropout"] = String(dropout) }
        return meta
    }

    public init(metadata: MetadataReader) throws {
        let conditioning: Conditioning = metadata["time_embedding"] != nil
            ? .time(width: try metadata.integer("time_embedding", atMost: 64)) : .logSigma
        guard let parameterisation = OutputParameterisation(rawValue: metadata["parameterisation"] ?? "") else {
            throw MetadataReader.Problem("metadata 'parameterisation' is \(metadata["parameterisation"] ?? "missing"), expected score or eps")
        }
        guard let text = metadata["channels"],
              case let channels = text.split(separator: ",").compactMap({ Int($0) }),
              channels.count == text.split(separator: ",", omittingEmptySubsequences: false).count else {
            throw MetadataReader.Problem("metadata 'channels' must list integers separated by commas, got \(metadata["channels"] ?? "nothing")")
        }
        guard let attention = Bool(metadata["attention"] ?? "") else {
            throw MetadataReader.Problem("metadata 'attention' must be true or false, got \(metadata["attention"] ?? "nothing")")
        }
        let height = try metadata.integer("image_height", atMost: 4096), width = try metadata.integer("image_width", atMost: 4096)
        let imageChannels = try metadata.integer("image_channels", atMost: 4), blocks = try metadata.integer("blocks", atMost: 8)
        let groups = try metadata.integer("groups", atMost: 4096)
        guard let dropout = metadata["dropout"].map(Double.init) ?? 0 else {
            throw MetadataReader.Problem("metadata 'dropout' must be a number, got \(metadata["dropout"] ?? "")")
        }
        if let problem = Self.problem(height: height, width: width, imageChannels: imageChannels, channels: channels,
                                      blocks: blocks, groups: groups, conditioning: conditioning) ?? Self.problem(dropout: dropout) {
            throw MetadataReader.Problem("metadata describes no U-Net: \(problem)")
        }
        self.init(height: height, width: width, imageChannels: imageChannels, channels: channels, blocks: blocks,
                  attention: attention, groups: groups, conditioning: conditioning, parameterisation: parameterisation,
                  dropout: dropout)
    }

    public func network(parameters: [Float]) -> any ScoreNetwork {
        UNet(configuration: self, parameters: parameters)
    }

    /// Reads `channels` (--channels), `blocks` (--blocks), `attention` (--attention) and `dropout`
    /// (--dropout), each nil taking the default; the image's sides come from the data, which must
    /// be grey images.
    public init(settings: NetworkSettings, dimension: Int, image: ImageShape?, conditioning: Conditioning,
                parameterisation: OutputParameterisation) throws {
        guard let image, image.pixels == dimension else {
            throw NetworkSettings.Problem("--network unet needs image data (--data digits, fashion-mnist, or a file with --image-shape)")
        }
        let standard = UNetConfiguration(height: 28, width: 28)
        let channels = settings.channels ?? standard.channels, blocks = settings.blocks ?? standard.blocks
        if let problem = Self.problem(height: image.height, width: image.width, imageChannels: 1, channels: channels,
                                      blocks: blocks, groups: standard.groups, conditioning: conditioning) {
            throw NetworkSettings.Problem("--network unet: \(problem)")
        }
        let dropout = settings.dropout ?? standard.dropout
        if let problem = Self.problem(dropout: dropout) { throw NetworkSettings.Problem("--dropout: \(problem)") }
        self.init(height: image.height, width: image.width, channels: channels, blocks: blocks,
                  attention: settings.attention ?? standard.attention, groups: standard.groups,
                  conditioning: conditioning, parameterisation: parameterisation, dropout: dropout)
    }

    public func makeNetwork(rng: inout RandomSource) -> any ScoreNetwork {
        UNet(configuration: self, rng: &rng)
    }

    public var supportsTangents: Bool { false }

    /// Every layer's products for `rows` images, step by step as `UNetPass` issues them.
    public func products(rows images: Int, training: Bool) -> [ProductShape] {
        let graph = graph
        var out: [ProductShape] = []
        func linear(_ layer: Linear, rows: Int, kind: String, inputGradient: Bool = true) {
            out.append(ProductShape(m: rows, n: layer.outputs, k: layer.inputs, transposeA: false, transposeB: true, layer: kind))
            guard training else { return }
            out.append(ProductShape(m: layer.outputs, n: layer.inputs, k: rows, transposeA: true, transposeB: false, layer: kind))
            if inputGradient {
                out.append(ProductShape(m: rows, n: layer.inputs, k: layer.outputs, transposeA: false, transposeB: false, layer: kind))
            }
        }
        linear(graph.embedIn, rows: images, kind: "embedding", inputGradient: false)
        linear(graph.embedOut, rows: images, kind: "embedding")
        for step in graph.steps {
            switch step {
            case let .convolution(layer, input, _, _):
                out += layer.products(images: images, training: training, inputGradient: input != 0)
            case let .embedding(layer, _): linear(layer, rows: images, kind: "embedding")
            case let .attention(layer, _, _): out += layer.products(images: images, training: training)
            case .norm, .add, .concatenate, .upsample, .dropout: break
            }
        }
        return out
    }

    /// Per image, every feature map and its gradient, and the norms' normalised copies (at most
    /// one more of each map); the attention blocks' and the embedding's buffers are smaller; plus
    /// the largest convolution's scratch.
    public func activationFloats(batch: Int, tangents: Int) -> Double {
        let graph = graph
        let scratch = graph.steps.reduce(0) { largest, step in
            if case let .convolution(layer, _, _, _) = step { return max(largest, layer.scratchCount(images: batch)) }
            return largest
        }
        return 3 * Double(batch) * Double(graph.floatsPerImage) + Double(scratch)
    }
}
