import Foundation

/// How a training step draws the noise level sigma of each row.
public enum SigmaDistribution: Sendable, Equatable {
    /// log sigma uniform on [log min, log max] (continuous noise levels).
    case logUniform(min: Float, max: Float)
    /// One of the given levels, uniformly (the NCSN ladder).
    case ladder([Float])

    /// The NCSN ladder: `levels` values geometric from `max` down to `min` (both included).
    public static func geometricLadder(min: Float, max: Float, levels: Int) -> SigmaDistribution {
        .ladder(geometricLevels(from: max, to: min, count: levels))
    }

    /// Checks the levels: positive, finite, min < max. Returns a reason when they are not.
    public var problem: String? {
        switch self {
        case let .logUniform(lo, hi):
            if !(lo > 0) || !lo.isFinite { return "sigma-min must be positive and finite, got \(lo)" }
            if !(hi > lo) || !hi.isFinite { return "sigma-max must be finite and greater than sigma-min (\(lo)), got \(hi)" }
        case let .ladder(levels):
            if levels.isEmpty { return "the sigma ladder is empty" }
            if let bad = levels.first(where: { !($0 > 0) || !$0.isFinite }) { return "every sigma must be positive and finite, got \(bad)" }
        }
        return nil
    }

    /// Fills `count` noise levels. Draws exactly one uniform per row from `rng`.
    package func fill(_ out: UnsafeMutablePointer<Float>, count: Int, rng: inout RandomSource) {
        for i in 0..<count { out[i] = sigma(uniform: rng.uniform()) }
    }

    /// The level a uniform draw u in [0, 1) selects: exp(log min + u log(max / min)), or the
    /// ladder's level number floor(u K).
    public func sigma(uniform u: Float) -> Float {
        switch self {
        case let .logUniform(lo, hi):
            return expf(logf(lo) + (logf(hi) - logf(lo)) * u)
        case let .ladder(levels):
            return levels[min(levels.count - 1, Int(u * Float(levels.count)))]
        }
    }

    /// The smallest and largest sigma it draws.
    public var range: ClosedRange<Float> {
        switch self {
        case let .logUniform(lo, hi): return lo...hi
        case let .ladder(levels): return levels.min()!...levels.max()!
        }
    }
}

/// `count` values geometric from `first` to `last`, both included (one value: `first`).
public func geometricLevels(from first: Float, to last: Float, count: Int) -> [Float] {
    precondition(count >= 1, "geometricLevels: count must be at least 1")
    guard count > 1 else { return [first] }
    let ratio = log(Double(last) / Double(first)) / Double(count - 1)
    return (0..<count).map { Float(Double(first) * exp(ratio * Double($0))) }
}
