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
        Kernels.groupNorm(images: images, positions: positions, channels: channels, groups: groups, x,
                          gamma: parameters + offset, beta: parameters + biasOffset, activation: activation,
                          into: y, normalized: normalized, inverseDeviation: inverseDeviation)
    }

    /// Given dL/dy, writes dL/dgamma and dL/dbeta at this layer's place in `gradients` and adds
    /// dL/dx = r (g - mean(g) - x_hat mean(g x_hat)) to `inputGradient`, where g = dL/dx_hat =
    /// gamma dL/d(gamma x_hat + beta) and the means run over the image's group.
    package func backward(images: Int, positions: Int, outputGradient dy: UnsafePointer<Float>,
                          normalized: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>,
                          parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                          inputGradient dx: UnsafeMutablePointer<Float>) {
        Kernels.groupNormBackward(images: images, positions: positions, channels: channels, groups: groups, dy,
                                  normalized: normalized, inverseDeviation: inverseDeviation,
                                  gamma: parameters + offset, beta: parameters + biasOffset, activation: activation,
                                  gammaGradient: gradients + offset, betaGradient: gradients + biasOffset, inputGradient: dx)
    }

    /// PyTorch's: gamma = 1, beta = 0.
    func initialize(_ parameters: UnsafeMutablePointer<Float>) {
        (parameters + offset).update(repeating: 1, count: channels)
        (parameters + biasOffset).update(repeating: 0, count: channels)
    }
}
