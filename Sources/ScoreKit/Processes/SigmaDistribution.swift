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

    /// The noise levels the engine computes with: sigma^2 and 1 / sigma^2 (the variance, and the
    /// scale of a squared score) both finite as Floats, about 5.4e-20 to 1.8e19.
    public static let usableRange: ClosedRange<Float> = (1 / Float.greatestFiniteMagnitude.squareRoot())...Float.greatestFiniteMagnitude.squareRoot()

    /// Checks the levels: inside `usableRange`, min < max. Returns a reason when they are not.
    public var problem: String? {
        let usable = Self.usableRange
        switch self {
        case let .logUniform(lo, hi):
            if !usable.contains(lo) { return "sigma-min must lie in \(usable.lowerBound)...\(usable.upperBound), got \(lo)" }
            if !(hi > lo) || !usable.contains(hi) {
                return "sigma-max must be greater than sigma-min (\(lo)) and at most \(usable.upperBound), got \(hi)"
            }
        case let .ladder(levels):
            if levels.isEmpty { return "the sigma ladder is empty" }
            if let bad = levels.first(where: { !usable.contains($0) }) {
                return "every sigma must lie in \(usable.lowerBound)...\(usable.upperBound), got \(bad)"
            }
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
