/// Group normalisation (Wu and He; PyTorch's `nn.GroupNorm`) over NHWC feature maps, optionally
/// followed by SiLU, as every normalisation of a U-Net's residual blocks is.
///
/// For image b and group g (channels g * C/G ..< (g + 1) * C/G), over its positions p and channels
/// c: mu and var are the mean and the biased variance of x, x_hat = (x - mu) / sqrt(var + eps),
/// and y = gamma_c x_hat + beta_c (then y sigma(y) with `activation`). Each channel's values are
/// summed in Float (one vector lane per channel, the same order in every clone) and a group's
/// channels in Double; the variance is the mean of squared deviations from mu (a second pass), so
/// a map with a large mean keeps its small variance. gamma then beta ([C] each) live in the flat
/// parameters from `offset`. The loops are C kernels (`Kernels.groupNorm`), vectorised over the
/// channels of a position.
public struct GroupNormalization: Sendable, Equatable {
    public let channels: Int
    public let groups: Int
    /// Followed by SiLU.
    public let activation: Bool
    public let offset: Int
    /// PyTorch's default, as the kernels use it.
    public static let epsilon = 1e-5

    public init(channels: Int, groups: Int, activation: Bool, offset: Int) {
        precondition(groups >= 1 && channels >= groups && channels % groups == 0,
                     "GroupNormalization: \(channels) channels in \(groups) groups")
        self.channels = channels
        self.groups = groups
        self.activation = activation
        self.offset = offset
    }

    public var parameterCount: Int { 2 * channels }
    public var biasOffset: Int { offset + channels }

    /// y for `images` images of `positions` positions each. Keeps x_hat ([rows, C]) and
    /// 1 / sqrt(var + eps) per image and group (`inverseDeviation`, [images * G]) for `backward`.
    package func forward(images: Int, positions: Int, input x: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                         output y: UnsafeMutablePointer<Float>, normalized: UnsafeMutablePointer<Float>,
                         inverseDeviation: UnsafeMutablePointer<Float>) {
        let size = positions * channels
        Parallel.forEachRange(images, grain: Parallel.elementGrain / size) { range in
            let first = range.lowerBound
            Kernels.groupNorm(images: range.count, positions: positions, channels: channels, groups: groups, x + first * size,
                              gamma: parameters + offset, beta: parameters + biasOffset, activation: activation,
                              into: y + first * size, normalized: normalized + first * size,
                              inverseDeviation: inverseDeviation + first * groups)
        }
    }

    /// Given dL/dy, writes dL/dgamma and dL/dbeta at this layer's place in `gradients` and adds
    /// dL/dx = r (g - mean(g) - x_hat mean(g x_hat)) to `inputGradient`, where g = dL/dx_hat =
    /// gamma dL/d(gamma x_hat + beta) and the means run over the image's group. Images run in
    /// parallel, each writing its own sums into `imageSums` (2 * images * C floats); those are
    /// then added over images in order, in Double, so the thread count does not change the bits.
    package func backward(images: Int, positions: Int, outputGradient dy: UnsafePointer<Float>,
                          normalized: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>,
                          parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                          inputGradient dx: UnsafeMutablePointer<Float>, imageSums: UnsafeMutablePointer<Float>) {
        let size = positions * channels, betaSums = imageSums + images * channels
        Parallel.forEachRange(images, grain: Parallel.elementGrain / size) { range in
            let first = range.lowerBound
            Kernels.groupNormBackward(images: range.count, positions: positions, channels: channels, groups: groups, dy + first * size,
                                      normalized: normalized + first * size, inverseDeviation: inverseDeviation + first * groups,
                                      gamma: parameters + offset, beta: parameters + biasOffset, activation: activation,
                                      imageGammaGradients: imageSums + first * channels, imageBetaGradients: betaSums + first * channels,
                                      inputGradient: dx + first * size)
        }
        for c in 0..<channels {
            var gamma = 0.0, beta = 0.0
            for b in 0..<images {
                gamma += Double(imageSums[b * channels + c])
                beta += Double(betaSums[b * channels + c])
            }
            gradients[offset + c] = Float(gamma)
            gradients[biasOffset + c] = Float(beta)
        }
    }

    /// Floats of `backward`'s per-image sums for `images` images.
    public func imageSumsCount(images: Int) -> Int { 2 * images * channels }

    /// PyTorch's: gamma = 1, beta = 0.
    func initialize(_ parameters: UnsafeMutablePointer<Float>) {
        (parameters + offset).update(repeating: 1, count: channels)
        (parameters + biasOffset).update(repeating: 0, count: channels)
    }
}
