import ScoreKit

/// Whether generated images copy the training set: each sample's distance to its nearest
/// training image, against the distances from held-out test images to theirs (what "close" is
/// for new images of the same kind).
public struct Memorisation: Codable, Sendable {
    /// The 1st percentile of the test images' nearest-training distances.
    public let threshold: Double
    /// Fraction of samples nearer a training image than `threshold` (about 0.01 for new images).
    public let fractionCopied: Double
    /// Median nearest-training distance of the samples and of the test images.
    public let medianSampleDistance: Double
    public let medianTestDistance: Double

    public init(samples: Matrix, train: Matrix, test: Matrix) {
        precondition(samples.rows >= 1 && test.rows >= 1 && train.rows >= 1, "Memorisation: an empty set")
        let sampleDistances = PairwiseDistances(samples, train).nearestDistances().sorted()
        let testDistances = PairwiseDistances(test, train).nearestDistances().sorted()
        let threshold = testDistances[Int(0.01 * Double(testDistances.count - 1))]
        self.threshold = threshold
        fractionCopied = Double(sampleDistances.filter { $0 < threshold }.count) / Double(sampleDistances.count)
        medianSampleDistance = sampleDistances[sampleDistances.count / 2]
        medianTestDistance = testDistances[testDistances.count / 2]
    }
}
