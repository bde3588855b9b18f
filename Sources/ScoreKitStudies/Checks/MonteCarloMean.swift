import ScoreKit

/// The mean of a stream of Monte Carlo values and its standard error,
/// sqrt(s^2 / n) with s^2 the unbiased sample variance.
public struct MonteCarloMean: Sendable {
    public private(set) var count = 0
    private var sum = 0.0
    private var sumOfSquares = 0.0

    public init() {}

    public mutating func add(_ value: Double) {
        count += 1
        sum += value
        sumOfSquares += value * value
    }

    public var mean: Double { sum / Double(count) }

    public var standardError: Double {
        let n = Double(count), mean = self.mean
        let variance = max(sumOfSquares / n - mean * mean, 0) * n / (n - 1)
        return (variance / n).squareRoot()
    }
}
