/// Nearest-neighbour up-sampling by two of NHWC feature maps (PyTorch's
/// `F.interpolate(scale_factor=2, mode="nearest")`): output position (2y + i, 2x + j) copies input
/// position (y, x), and the backward pass sums the four copies' gradients back.
public struct NearestUpsampling: Sendable, Equatable {
    public let channels: Int
    /// The input's sides; the output's are twice these.
    public let height: Int
    public let width: Int

    public init(channels: Int, height: Int, width: Int) {
        precondition(channels >= 1 && height >= 1 && width >= 1, "NearestUpsampling: \(channels) channels on \(height) x \(width)")
        self.channels = channels
        self.height = height
        self.width = width
    }

    package func forward(images: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        Parallel.forEachRange(images, grain: imageGrain) { range in
            for b in range {
                for y in 0..<(2 * height) {
                    for x in 0..<(2 * width) {
                        (output + ((b * 2 * height + y) * 2 * width + x) * channels)
                            .update(from: input + ((b * height + y / 2) * width + x / 2) * channels, count: channels)
                    }
                }
            }
        }
    }

    /// Images per part of the loops, which run in parallel over images.
    private var imageGrain: Int { Parallel.elementGrain / (4 * height * width * channels) }

    /// Adds dL/dx, the sum of each position's four copies' gradients, to `inputGradient`.
    package func backward(images: Int, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>) {
        Parallel.forEachRange(images, grain: imageGrain) { range in
            for b in range {
                for y in 0..<(2 * height) {
                    for x in 0..<(2 * width) {
                        let source = outputGradient + ((b * 2 * height + y) * 2 * width + x) * channels
                        let target = inputGradient + ((b * height + y / 2) * width + x / 2) * channels
                        for c in 0..<channels { target[c] += source[c] }
                    }
                }
            }
        }
    }
}
