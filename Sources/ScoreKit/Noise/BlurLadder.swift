import Foundation

/// Blur as a forward process on images: K levels of heat dissipation (Rissanen et al., 2023),
///
///     x_k = A_(t_k) x_0 + eta z,   z ~ N(0, I),   k = 1...K   (level 0: the clean image),
///
/// with blur widths s_k = s_1 (s_K / s_1)^((k - 1) / (K - 1)) pixels, geometric from
/// `smallestBlur` to `largestBlur`, and t_k = s_k^2 / 2 (`HeatDissipation`). By default s_K is
/// the image's longer side, where the slowest non-constant mode keeps exp(-t_K lambda_1) < 1%:
/// the top level is nearly a flat image of the data's mean brightness.
///
/// - eta > 0, blur plus a little noise: the kernel is Gaussian in x_k, so DSM has the target
///   -(x_k - A x_0) / eta^2 = -z / eta, and Tweedie's formula gives E[A x_0 | x_k] = x_k + eta^2 s.
/// - eta = 0, deterministic blur (Cold Diffusion, Bansal et al., 2022): a point mass, with no
///   conditional score for DSM to regress onto; only a restoration x_k -> x_0 can be learned.
///
/// A network reads level k as the time k / K.
public struct BlurLadder: Sendable {
    public let heat: HeatDissipation
    public let levels: Int
    /// eta, the standard deviation of the added noise (0: deterministic blur).
    public let noise: Double
    public let smallestBlur: Double
    public let largestBlur: Double
    /// exp(-t_k L) per axis for k = 0...K, in single precision.
    let operators: [(height: [Float], width: [Float])]

    public init(shape: ImageShape, levels: Int = 100, noise: Double, smallestBlur: Double = 0.5, largestBlur: Double? = nil) {
        let largest = largestBlur ?? Double(max(shape.height, shape.width))
        precondition(levels >= 2, "BlurLadder: at least 2 levels, got \(levels)")
        precondition(noise >= 0 && noise.isFinite, "BlurLadder: the noise must be finite and non-negative, got \(noise)")
        precondition(smallestBlur > 0 && largest > smallestBlur && largest.isFinite,
                     "BlurLadder: blur widths must satisfy 0 < smallest < largest, got \(smallestBlur) and \(largest)")
        heat = HeatDissipation(shape: shape)
        self.levels = levels
        self.noise = noise
        self.smallestBlur = smallestBlur
        self.largestBlur = largest
        operators = (0...levels).map { [heat] k in
            heat.axisOperators(at: Self.blurTime(level: k, levels: levels, smallest: smallestBlur, largest: largest))
        }
    }

    public var shape: ImageShape { heat.shape }
    public var name: String { noise > 0 ? "blur+noise" : "blur" }

    /// t_k, the heat equation's time at level k (0 at level 0).
    public func blurTime(level k: Int) -> Double {
        precondition(k >= 0 && k <= levels, "BlurLadder: level \(k) outside 0...\(levels)")
        return Self.blurTime(level: k, levels: levels, smallest: smallestBlur, largest: largestBlur)
    }

    static func blurTime(level k: Int, levels: Int, smallest: Double, largest: Double) -> Double {
        guard k > 0 else { return 0 }
        let s = smallest * pow(largest / smallest, Double(k - 1) / Double(levels - 1))
        return s * s / 2
    }

    /// k / K, what a network reads for level k.
    public func time(level k: Int) -> Float { Float(k) / Float(levels) }

    /// A_(t_k) for every row of `images`, without noise.
    public func blurred(_ images: Matrix, level k: Int) -> Matrix {
        var out = Matrix(rows: images.rows, columns: images.columns), scratch = out
        blur(images, level: k, into: &out, scratch: &scratch)
        return out
    }

    /// `out` <- A_(t_k) `images`, allocation-free.
    package func blur(_ images: Matrix, level k: Int, into out: inout Matrix, scratch: inout Matrix) {
        precondition(k >= 0 && k <= levels, "BlurLadder: level \(k) outside 0...\(levels)")
        heat.apply(images, operators: operators[k], into: &out, scratch: &scratch)
    }

    /// A_(t_k) applied to `count` images at `x` into `out` (`scratch` as large), allocation-free.
    package func blur(count: Int, _ x: UnsafePointer<Float>, level k: Int, into out: UnsafeMutablePointer<Float>,
                      scratch: UnsafeMutablePointer<Float>) {
        heat.apply(count: count, x, operators: operators[k], into: out, scratch: scratch)
    }

    /// The top level's distribution as a prior to start sampling from: one Gaussian fitted to
    /// the training images blurred to level K (nearly a flat image of each one's mean
    /// brightness), its covariance plus eta^2 I and `ridge` on the diagonal. Nil when that
    /// covariance is not positive definite.
    public func prior(fittedTo images: Matrix, ridge: Double = 1e-6) -> FullCovarianceMixture? {
        FullCovarianceMixture.fitted(to: blurred(images, level: levels), labels: [Int](repeating: 0, count: images.rows),
                                     classes: 1, ridge: noise * noise + ridge)
    }
}
