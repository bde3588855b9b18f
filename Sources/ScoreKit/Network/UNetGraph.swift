/// The U-Net of a `UNetConfiguration` unrolled into feature maps and the steps between them, in
/// forward order, with every parameter tensor's PyTorch name: what `UNetPass` runs forward and
/// then backward in reverse, and what the checkpoint names.
///
/// DDPM's U-Net (Ho et al., as in score_sde's `ddpm.py`): a 3x3 convolution in; per level `blocks`
/// residual blocks (attention after each at the lowest level when asked), then a stride-2
/// convolution down, every output kept as a skip; in the middle a block, attention, a block; per
/// level on the way up `blocks + 1` blocks, each reading the last skip concatenated to its input,
/// then nearest up-sampling and a 3x3 convolution; group norm, SiLU and a 3x3 convolution out.
/// A residual block is GroupNorm-SiLU, conv, plus the embedding's projection per image,
/// GroupNorm-SiLU, dropout (when its rate is above 0), conv (starting at zero), added to its input
/// (through a 1x1 convolution when the channel count changes).
struct UNetGraph {
    /// A feature map's shape, per image: [height * width, channels] in NHWC.
    struct Map: Equatable {
        let height, width, channels: Int
        var size: Int { height * width * channels }
    }

    enum Step {
        /// `startsAtZero`: the layer's weights and bias begin at zero (a block's last convolution,
        /// the output convolution), so that a new block is the identity and the network starts at 0.
        case convolution(Convolution, input: Int, output: Int, startsAtZero: Bool)
        case norm(GroupNormalization, input: Int, output: Int)
        /// map += projection(SiLU(embedding)), one row of channels per image.
        case embedding(Linear, map: Int)
        case add(Int, Int, output: Int)
        /// output = [first, second] along the channels.
        case concatenate(Int, Int, output: Int)
        case upsample(NearestUpsampling, input: Int, output: Int)
        case attention(SelfAttention, input: Int, output: Int)
        case dropout(Dropout, input: Int, output: Int)
    }

    private(set) var maps: [Map] = []
    private(set) var steps: [Step] = []
    private(set) var tensors: [ParameterTensor] = []
    private(set) var parameterCount = 0
    /// The embedding's two layers: conditioning features -> E, then E -> E (E = 4 * channels[0]).
    let embedIn: Linear, embedOut: Linear
    /// The residual blocks' dropout rate (0: no dropout step).
    let dropoutRate: Float

    init(_ configuration: UNetConfiguration) {
        dropoutRate = Float(configuration.dropout)
        let width = 4 * configuration.channels[0], groups = configuration.groups
        embedIn = Linear(inputs: configuration.conditioning.width, outputs: width, offset: 0)
        embedOut = Linear(inputs: width, outputs: width, offset: embedIn.parameterCount)
        parameterCount = embedIn.parameterCount + embedOut.parameterCount
        record("temb.dense.0", linear: embedIn)
        record("temb.dense.1", linear: embedOut)

        var h = addMap(Map(height: configuration.height, width: configuration.width, channels: configuration.imageChannels))
        h = convolution("conv_in", h, outputs: configuration.channels[0])
        var skips = [h]
        let levels = configuration.channels.count, lowest = levels - 1
        for (level, channels) in configuration.channels.enumerated() {
            for block in 0..<configuration.blocks {
                h = residualBlock("down.\(level).res.\(block)", h, outputs: channels, embedding: width, groups: groups)
                if configuration.attention && level == lowest { h = attention("down.\(level).attn.\(block)", h, groups: groups) }
                skips.append(h)
            }
            if level != lowest {
                h = convolution("down.\(level).downsample.conv", h, outputs: channels, stride: 2)
                skips.append(h)
            }
        }
        h = residualBlock("mid.res.0", h, outputs: configuration.channels[lowest], embedding: width, groups: groups)
        if configuration.attention { h = attention("mid.attn.0", h, groups: groups) }
        h = residualBlock("mid.res.1", h, outputs: configuration.channels[lowest], embedding: width, groups: groups)
        for (level, channels) in configuration.channels.enumerated().reversed() {
            for block in 0...configuration.blocks {
                let skip = skips.removeLast(), joined = addMap(Map(height: maps[h].height, width: maps[h].width,
                                                                    channels: maps[h].channels + maps[skip].channels))
                steps.append(.concatenate(h, skip, output: joined))
                h = residualBlock("up.\(level).res.\(block)", joined, outputs: channels, embedding: width, groups: groups)
                if configuration.attention && level == lowest { h = attention("up.\(level).attn.\(block)", h, groups: groups) }
            }
            if level != 0 {
                let map = maps[h], upsampling = NearestUpsampling(channels: map.channels, height: map.height, width: map.width)
                let larger = addMap(Map(height: 2 * map.height, width: 2 * map.width, channels: map.channels))
                steps.append(.upsample(upsampling, input: h, output: larger))
                h = convolution("up.\(level).upsample.conv", larger, outputs: channels)
            }
        }
        h = norm("norm_out", h, groups: groups, activation: true)
        _ = convolution("conv_out", h, outputs: configuration.imageChannels, startsAtZero: true)
    }

    /// The maps' total size per image, in floats: what a pass keeps for each image, gradients apart.
    var floatsPerImage: Int { maps.reduce(0) { $0 + $1.size } }

    private mutating func addMap(_ map: Map) -> Int {
        maps.append(map)
        return maps.count - 1
    }

    private mutating func convolution(_ name: String, _ input: Int, outputs: Int, stride: Int = 1, kernel: Int = 3,
                                      startsAtZero: Bool = false) -> Int {
        let map = maps[input]
        let layer = Convolution(inputs: map.channels, outputs: outputs, kernel: kernel, stride: stride,
                                height: map.height, width: map.width, offset: parameterCount)
        parameterCount += layer.parameterCount
        tensors += [ParameterTensor(name: name + ".weight", shape: [outputs, map.channels, kernel, kernel], offset: layer.offset),
                    ParameterTensor(name: name + ".bias", shape: [outputs], offset: layer.biasOffset)]
        let output = addMap(Map(height: layer.outputHeight, width: layer.outputWidth, channels: outputs))
        steps.append(.convolution(layer, input: input, output: output, startsAtZero: startsAtZero))
        return output
    }

    private mutating func norm(_ name: String, _ input: Int, groups: Int, activation: Bool) -> Int {
        let map = maps[input]
        let layer = GroupNormalization(channels: map.channels, groups: groups, activation: activation, offset: parameterCount)
        parameterCount += layer.parameterCount
        tensors += [ParameterTensor(name: name + ".weight", shape: [map.channels], offset: layer.offset),
                    ParameterTensor(name: name + ".bias", shape: [map.channels], offset: layer.biasOffset)]
        let output = addMap(map)
        steps.append(.norm(layer, input: input, output: output))
        return output
    }

    private mutating func residualBlock(_ name: String, _ input: Int, outputs: Int, embedding: Int, groups: Int) -> Int {
        var h = norm(name + ".norm1", input, groups: groups, activation: true)
        h = convolution(name + ".conv1", h, outputs: outputs)
        let projection = Linear(inputs: embedding, outputs: outputs, offset: parameterCount)
        parameterCount += projection.parameterCount
        record(name + ".temb_proj", linear: projection)
        steps.append(.embedding(projection, map: h))
        h = norm(name + ".norm2", h, groups: groups, activation: true)
        if dropoutRate > 0 {
            let map = maps[h], output = addMap(map)
            steps.append(.dropout(Dropout(rate: dropoutRate, size: map.size), input: h, output: output))
            h = output
        }
        h = convolution(name + ".conv2", h, outputs: outputs, startsAtZero: true)
        let shortcut = maps[input].channels == outputs ? input : convolution(name + ".nin_shortcut", input, outputs: outputs, kernel: 1)
        let output = addMap(maps[h])
        steps.append(.add(shortcut, h, output: output))
        return output
    }

    private mutating func attention(_ name: String, _ input: Int, groups: Int) -> Int {
        let map = maps[input]
        let layer = SelfAttention(channels: map.channels, positions: map.height * map.width, groups: groups, offset: parameterCount)
        parameterCount += layer.parameterCount
        tensors += [ParameterTensor(name: name + ".norm.weight", shape: [map.channels], offset: layer.norm.offset),
                    ParameterTensor(name: name + ".norm.bias", shape: [map.channels], offset: layer.norm.biasOffset)]
        for (part, linear) in [("q", layer.query), ("k", layer.key), ("v", layer.value), ("proj_out", layer.projection)] {
            tensors += [ParameterTensor(name: "\(name).\(part).weight", shape: [map.channels, map.channels, 1, 1], offset: linear.offset),
                        ParameterTensor(name: "\(name).\(part).bias", shape: [map.channels], offset: linear.biasOffset)]
        }
        let output = addMap(map)
        steps.append(.attention(layer, input: input, output: output))
        return output
    }

    private mutating func record(_ name: String, linear: Linear) {
        tensors += [ParameterTensor(name: name + ".weight", shape: [linear.outputs, linear.inputs], offset: linear.offset),
                    ParameterTensor(name: name + ".bias", shape: [linear.outputs], offset: linear.biasOffset)]
    }

    /// PyTorch's default initialisation layer by layer from `rng`, but zero where `startsAtZero`
    /// and for attention's output projection.
    func initialize(_ parameters: UnsafeMutablePointer<Float>, rng: inout RandomSource) {
        embedIn.initialize(parameters, rng: &rng)
        embedOut.initialize(parameters, rng: &rng)
        for step in steps {
            switch step {
            case let .convolution(layer, _, _, startsAtZero):
                if startsAtZero {
                    (parameters + layer.offset).update(repeating: 0, count: layer.parameterCount)
                } else {
                    layer.initialize(parameters, rng: &rng)
                }
            case let .norm(layer, _, _): layer.initialize(parameters)
            case let .embedding(layer, _): layer.initialize(parameters, rng: &rng)
            case let .attention(layer, _, _): layer.initialize(parameters, rng: &rng)
            case .add, .concatenate, .upsample, .dropout: break
            }
        }
    }
}
