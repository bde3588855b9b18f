/// Cold Diffusion's improved sampler for deterministic blur (Bansal et al., 2022, Algorithm 2):
///
///     x_K = A_(t_K) x_0 for a training image x_0,
///     x_(k-1) = x_k - A_(t_k) R(x_k, k) + A_(t_(k-1)) R(x_k, k),   k = K...1
///
/// which, unlike the naive x_(k-1) = A_(t_(k-1)) R, keeps x_k on the degradation's path even when
/// R is wrong: an error in R enters only through the difference A_(t_(k-1)) - A_(t_k).
///
/// There is no noise anywhere, so the samples are a fixed function of the starting images.
/// The start is a training image blurred to the top level, drawn uniformly with replacement:
/// nearly flat (1% of its detail left at the default ladder), so the sampler can only produce
/// as many distinct images as there are distinguishable starts, and whatever detail survives
/// the blur can lead the restoration back to the very image it came from.
public struct ColdDiffusion: RestorationSampler, Sendable {
    public let ladder: BlurLadder
    /// The training images the chains start from, blurred to level K.
    public let starts: Matrix

    public init(ladder: BlurLadder, trainingImages: Matrix) {
        precondition(trainingImages.columns == ladder.shape.pixels && trainingImages.rows >= 1,
                     "ColdDiffusion: starts must be \(ladder.shape) images")
        self.ladder = ladder
        starts = ladder.blurred(trainingImages, level: ladder.levels)
    }

    public var name: String { "cold-diffusion" }

    /// Draws `count` images: K restorations per chain. `progress` gets (levels done, K).
    public func sample(count: Int, restoration: some Restoration, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        let d = ladder.shape.pixels
        precondition(restoration.dimension == d, "ColdDiffusion: the restoration is for dimension \(restoration.dimension), the images have \(d)")
        var x = starts.gatherRows((0..<count).map { _ in Int(rng.next(upperBound: UInt64(starts.rows))) })
        var restored = Matrix(rows: count, columns: d), current = restored, previous = restored, scratch = restored
        for k in stride(from: ladder.levels, through: 1, by: -1) {
            restoration.restore(x, level: k, into: &restored)
            ladder.blur(restored, level: k, into: &current, scratch: &scratch)
            ladder.blur(restored, level: k - 1, into: &previous, scratch: &scratch)
            for i in x.elements.indices { x.elements[i] += previous.elements[i] - current.elements[i] }
            progress?(ladder.levels - k + 1, ladder.levels)
        }
        return SamplerRun(samples: x, evaluations: ladder.levels)
    }
}
