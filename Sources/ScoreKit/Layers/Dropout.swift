/// Inverted dropout (Srivastava et al. 2014), as DDPM's residual blocks apply it before their
/// second convolution: in a training step each value of an image's map is kept with probability
/// 1 - `rate` and scaled by 1 / (1 - `rate`), so that its expectation is unchanged and every
/// other pass is the identity.
///
/// The mask is counter-based: value i of the image at row r of the whole minibatch is dropped
/// when the top 24 bits of `RandomSource.word(seed:counter:)` at counter r * size + i, read as a
/// fraction, fall below `rate`. So the backward pass recomputes the mask instead of storing it,
/// and the same seed drops the same values at any thread count and on any number of ranks.
public struct Dropout: Sendable, Equatable {
    public let rate: Float
    /// Values per image.
    public let size: Int

    public init(rate: Float, size: Int) {
        precondition(rate >= 0 && rate < 1 && size >= 1, "Dropout: rate \(rate) on \(size) values per image")
        self.rate = rate
        self.size = size
    }

    /// One training step's draw: `seed`, and the index of the batch's first image in the minibatch.
    public struct Draw: Sendable, Equatable {
        public let seed: UInt64
        public let firstRow: Int

        public init(seed: UInt64, firstRow: Int) {
            self.seed = seed
            self.firstRow = firstRow
        }
    }

    /// y = mask * x / (1 - rate) under `draw`, or y = x without one.
    package func forward(images: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, draw: Draw?) {
        apply(images: images, input, into: output, adding: false, draw: draw)
    }

    /// Adds dL/dx = mask * dL/dy / (1 - rate) (dL/dy itself without a draw) to `inputGradient`.
    package func backward(images: Int, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>, draw: Draw?) {
        apply(images: images, outputGradient, into: inputGradient, adding: true, draw: draw)
    }

    private func apply(images: Int, _ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, adding: Bool, draw: Draw?) {
        let keep = 1 / (1 - rate), threshold = UInt64(Double(rate) * 16_777_216)
        Parallel.forEachRange(images, grain: max(1, Parallel.elementGrain / size)) { range in
            for b in range {
                let (x, y) = (source + b * size, target + b * size)
                guard let draw else {
                    for i in 0..<size { y[i] = adding ? y[i] + x[i] : x[i] }
                    continue
                }
                let first = UInt64(draw.firstRow + b) &* UInt64(size)
                for i in 0..<size {
                    let kept = RandomSource.word(seed: draw.seed, counter: first &+ UInt64(i)) >> 40 >= threshold
                    let value = kept ? x[i] * keep : 0
                    y[i] = adding ? y[i] + value : value
                }
            }
        }
    }
}
