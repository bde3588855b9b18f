/// What a run says of its network, for any kind of network: each configuration reads the fields
/// it has (the MLP its width and depth, the U-Net its channels, blocks, attention and dropout) and the
/// time embedding's width. Saved in train-dsm's run configuration; nil fields take the kind's
/// defaults.
public struct NetworkSettings: Codable, Equatable, Sendable {
    /// Its name in `NetworkRegistry` ("mlp", "unet").
    public var kind: String
    public var hiddenWidth: Int
    public var hiddenLayers: Int
    /// Features of the time embedding, for processes that condition on time.
    public var timeEmbedding: Int
    /// What the network outputs; nil: the process's standard choice.
    public var parameterisation: OutputParameterisation?
    /// The U-Net's channels per level; nil: its default.
    public var channels: [Int]?
    /// The U-Net's residual blocks per level; nil: its default.
    public var blocks: Int?
    /// Whether the U-Net attends at its lowest level; nil: its default.
    public var attention: Bool?
    /// The U-Net's dropout rate in training; nil: its default (0).
    public var dropout: Double?

    public init(kind: String, hiddenWidth: Int, hiddenLayers: Int, timeEmbedding: Int, parameterisation: OutputParameterisation? = nil,
                channels: [Int]? = nil, blocks: Int? = nil, attention: Bool? = nil, dropout: Double? = nil) {
        self.kind = kind
        self.hiddenWidth = hiddenWidth
        self.hiddenLayers = hiddenLayers
        self.timeEmbedding = timeEmbedding
        self.parameterisation = parameterisation
        self.channels = channels
        self.blocks = blocks
        self.attention = attention
        self.dropout = dropout
    }

    /// Why settings make no network of their kind, as one line naming the option at fault.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }
}
