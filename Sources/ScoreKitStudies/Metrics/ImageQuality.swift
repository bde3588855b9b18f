import ScoreKit

/// The quality of generated images through a classifier trained on the real ones, each measure
/// beside its reference values: real test images (the floor, what a perfect model reaches) and
/// pure noise, uniform on [-1, 1] per pixel (the ceiling).
///
/// The Fréchet distances compare each set's classifier features with the training images'.
/// Their bias depends on the set size, so the samples, the test images and the noise enter at
/// one size n, the smaller of the sample and test counts (the first n of each).
public struct ImageQuality: Codable, Sendable {
    /// A measure of the samples beside its floor and ceiling.
    public struct Referenced: Codable, Sendable {
        public let samples: Double
        public let realTest: Double
        public let noise: Double
    }

    /// The classifier's accuracy on the test images.
    public let classifierAccuracy: Double
    /// Images per set in the Fréchet distances.
    public let comparedImages: Int
    public let frechetDistance: Referenced
    public let inceptionScore: Referenced
    /// Class histogram of all samples and of the test images (most probable class).
    public let sampleScores: ClassifierScores
    public let testScores: ClassifierScores
    public let memorisation: Memorisation

    /// Nil when a Fréchet distance cannot be computed (non-finite features).
    public init?(samples: Matrix, images: ImageSet, classifier: Classifier, rng: inout RandomSource) {
        precondition(images.isLabelled && samples.columns == images.shape.pixels && samples.rows >= 2 && images.test.rows >= 2,
                     "ImageQuality: needs labelled images and at least 2 samples of their shape")
        let n = min(samples.rows, images.test.rows)
        var noise = Matrix(rows: n, columns: samples.columns)
        for i in 0..<noise.elements.count { noise.elements[i] = 2 * rng.uniform() - 1 }
        let first = Array(0..<n)
        let train = classifier.evaluate(images.train), test = classifier.evaluate(images.test)
        let generated = classifier.evaluate(samples), pure = classifier.evaluate(noise)
        guard let sampleFID = FrechetDistance(generated.features.gatherRows(first), train.features),
              let testFID = FrechetDistance(test.features.gatherRows(first), train.features),
              let noiseFID = FrechetDistance(pure.features, train.features) else { return nil }
        comparedImages = n
        frechetDistance = Referenced(samples: sampleFID.value, realTest: testFID.value, noise: noiseFID.value)
        sampleScores = ClassifierScores(probabilities: generated.probabilities)
        testScores = ClassifierScores(probabilities: test.probabilities)
        inceptionScore = Referenced(samples: sampleScores.inceptionScore, realTest: testScores.inceptionScore,
                                    noise: ClassifierScores(probabilities: pure.probabilities).inceptionScore)
        classifierAccuracy = ClassifierTraining.accuracy(probabilities: test.probabilities, labels: images.testLabels)
        memorisation = Memorisation(samples: samples, train: images.train, test: images.test)
    }
}
