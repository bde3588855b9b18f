/// score_sde's Langevin corrector: a step size from the signal-to-noise rule
///
///     eps = 2 r (snr ||z|| / ||s||)^2,   x <- x + eps s + sqrt(2 eps) z,
///
/// with the norms averaged over the chains and r = (alpha_level / alpha_next)^2 (1 - beta_t for
/// VP, 1 for VE).
public struct LangevinCorrector: Corrector {
    /// The target signal-to-noise ratio, 0.16 in score_sde's CIFAR-10 settings.
    public let snr: Double
    public let steps: Int

    /// Refuses `steps` below 1 and an snr that is not positive and finite.
    public init(snr: Double = 0.16, steps: Int = 1) throws {
        guard steps >= 1 else { throw SamplerError("corrector steps must be at least 1, got \(steps)") }
        guard snr > 0 && snr.isFinite else { throw SamplerError("snr must be positive, got \(snr)") }
        self.snr = snr
        self.steps = steps
    }

    public var name: String { "langevin" }

    public func update(at level: NoiseLevel, next: NoiseLevel, score: Matrix, noise: Matrix) -> ChainUpdate {
        let a = level.alpha / next.alpha
        let ratio = noise.meanRowNorm / max(score.meanRowNorm, 1e-30)
        let eps = 2 * a * a * (snr * ratio) * (snr * ratio)
        return ChainUpdate(x: 1, score: eps, noise: (2 * eps).squareRoot())
    }
}

extension Matrix {
    /// The mean over rows of each row's Euclidean norm.
    var meanRowNorm: Double {
        var total = 0.0
        for r in 0..<rows {
            var square = 0.0
            for c in 0..<columns { square += Double(elements[r * columns + c]) * Double(elements[r * columns + c]) }
            total += square.squareRoot()
        }
        return total / Double(max(rows, 1))
    }
}
