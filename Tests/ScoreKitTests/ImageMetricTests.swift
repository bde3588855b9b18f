import Foundation
@testable import ScoreKit
import ScoreKitStudies
import Testing

/// LAPACK, the classifier and the image quality measures against closed forms.
@Suite struct ImageMetricTests {
    @Test func choleskyAndEigenReconstructTheirMatrix() throws {
        let a: [Double] = [4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]
        let l = try #require(LAPACK.cholesky(a, size: 3))
        for i in 0..<3 {
            for j in 0..<3 {
                let product = (0..<3).reduce(0.0) { $0 + l[i * 3 + $1] * l[j * 3 + $1] }
                #expect(isClose(product, a[i * 3 + j], rel: 1e-13, abs: 1e-14))
            }
        }
        #expect(l[0 * 3 + 1] == 0 && l[0 * 3 + 2] == 0)
        #expect(LAPACK.cholesky([1, 2, 2, 1], size: 2) == nil)  // indefinite
        #expect(LAPACK.cholesky([1, .nan, .nan, 1], size: 2) == nil)
        let (values, vectors) = try #require(LAPACK.symmetricEigen(a, size: 3))
        #expect(values == values.sorted())
        for i in 0..<3 {
            for j in 0..<3 {
                let product = (0..<3).reduce(0.0) { $0 + vectors[i * 3 + $1] * values[$1] * vectors[j * 3 + $1] }
                #expect(isClose(product, a[i * 3 + j], rel: 1e-12, abs: 1e-13))
            }
        }
    }

    /// With commuting covariances (a shared eigenbasis Q) the distance is
    /// ||mu_a - mu_b||^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2 over the eigenvalues.
    @Test func frechetDistanceMatchesTheCommutingClosedForm() throws {
        let n = 4
        let angle = 0.7, c = cos(angle), s = sin(angle)
        // Q: a rotation in the (0, 1) plane and another in (2, 3).
        let q: [Double] = [c, -s, 0, 0, s, c, 0, 0, 0, 0, c, s, 0, 0, -s, c]
        func covariance(_ eigen: [Double]) -> [Double] {
            (0..<(n * n)).map { index in (0..<n).reduce(0.0) { $0 + q[(index / n) * n + $1] * eigen[$1] * q[(index % n) * n + $1] } }
        }
        let ea: [Double] = [1, 4, 0.25, 9], eb: [Double] = [2, 1, 0.25, 0]
        let ma: [Double] = [0, 1, 2, 3], mb: [Double] = [1, 1, 0, 3]
        let expected = 1.0 + 4.0 + zip(ea, eb).reduce(0.0) { $0 + ($1.0.squareRoot() - $1.1.squareRoot()) * ($1.0.squareRoot() - $1.1.squareRoot()) }
        let distance = try #require(FrechetDistance(meanA: ma, covarianceA: covariance(ea), meanB: mb, covarianceB: covariance(eb)))
        #expect(isClose(distance.value, expected, rel: 1e-10), "\(distance.value) vs \(expected)")
        #expect(isClose(distance.meanTerm, 5, rel: 1e-12))
        // Symmetric in its arguments, and zero between a set and itself.
        let back = try #require(FrechetDistance(meanA: mb, covarianceA: covariance(eb), meanB: ma, covarianceB: covariance(ea)))
        // b has a zero eigenvalue: the square root of the rank-deficient product magnifies rounding.
        #expect(isClose(back.value, expected, rel: 1e-8))
        var rng = RandomSource(seed: 2)
        let x = randomMatrix(300, 5, rng: &rng)
        #expect(try #require(FrechetDistance(x, x)).value < 1e-9)
    }

    /// Fewer images than features (a small sample set in a wide feature space): the covariances
    /// are singular, rounding makes some of their eigenvalues slightly negative, and the distance
    /// must still come out finite, non-negative and symmetric.
    @Test func frechetDistanceOfRankDeficientCovariancesIsFinite() throws {
        var rng = RandomSource(seed: 12)
        for _ in 0..<5 {
            let a = randomMatrix(4, 24, rng: &rng), b = randomMatrix(6, 24, rng: &rng, scale: 2)
            let ab = try #require(FrechetDistance(a, b)).value, ba = try #require(FrechetDistance(b, a)).value
            #expect(ab.isFinite && ab > 0 && isClose(ab, ba, rel: 1e-6), "\(ab) against \(ba)")
            #expect(try #require(FrechetDistance(a, a)).value < 1e-9)
        }
    }

    @Test func momentsAreTheUnbiasedOnes() {
        let x = Matrix(rows: 3, columns: 2, elements: [1, 2, 3, 4, 5, 9])
        let (mean, covariance) = x.meanAndCovariance()
        #expect(mean == [3, 5])
        #expect(covariance == [4, 7, 7, 13])
    }

    @Test func classifierScoresReadTheirExtremes() {
        // Confident and spread evenly over 4 classes: IS = 4; all the same: IS = 1.
        var spread = Matrix(rows: 8, columns: 4), same = Matrix(rows: 8, columns: 4)
        for i in 0..<8 { spread[i, i % 4] = 1; same[i, 2] = 1 }
        let even = ClassifierScores(probabilities: spread), one = ClassifierScores(probabilities: same)
        #expect(isClose(even.inceptionScore, 4, rel: 1e-6) && even.classImbalance < 1e-12)
        #expect(isClose(one.inceptionScore, 1, rel: 1e-6) && isClose(one.classImbalance, 0.75, rel: 1e-12))
        #expect(one.classFractions == [0, 0, 1, 0] && one.meanConfidence == 1)
    }

    @Test func memorisationFlagsCopiesAndNotNewPoints() {
        var rng = RandomSource(seed: 5)
        let train = randomMatrix(400, 6, rng: &rng), test = randomMatrix(200, 6, rng: &rng), fresh = randomMatrix(200, 6, rng: &rng)
        let copies = Memorisation(samples: train.gatherRows(Array(0..<50)), train: train, test: test)
        #expect(copies.fractionCopied == 1 && copies.medianSampleDistance < 1e-3)
        let new = Memorisation(samples: fresh, train: train, test: test)
        #expect(new.fractionCopied < 0.05 && isClose(new.medianSampleDistance, new.medianTestDistance, rel: 0.15))
    }

    /// Rows with a NaN or an infinity anywhere are counted once each; finite rows not at all.
    @Test func nonFiniteRowsCountsLostChains() {
        var x = Matrix(rows: 4, columns: 3, repeating: 1)
        #expect(x.nonFiniteRows == 0)
        x[0, 2] = .nan
        x[2, 0] = .infinity
        x[2, 1] = -.infinity
        #expect(x.nonFiniteRows == 2)
    }

    /// Across blocks (1,024 rows each): the largest of all pairwise distances, by brute force.
    @Test func largestDistanceIsTheBruteForceMaximum() {
        var rng = RandomSource(seed: 6)
        let a = randomMatrix(1_100, 3, rng: &rng), b = randomMatrix(30, 3, rng: &rng)
        var largest = 0.0
        for i in 0..<a.rows {
            for j in 0..<b.rows { largest = max(largest, (0..<3).reduce(0.0) { $0 + pow(Double(a[i, $1] - b[j, $1]), 2) }.squareRoot()) }
        }
        #expect(isClose(PairwiseDistances(a, b).largestDistance(), largest, rel: 1e-5))
    }

    @Test func classifierGradientMatchesFiniteDifferences() {
        var rng = RandomSource(seed: 9)
        let classifier = Classifier(sizes: [5, 7, 6, 3], rng: &rng)
        let batch = 4
        let x = FloatBuffer(rng.normals(count: batch * 5))
        let labels: [Int32] = [0, 2, 1, 2]
        let ws = ClassifierWorkspace(sizes: classifier.sizes, capacity: batch)
        func loss() -> Double {
            labels.withUnsafeBufferPointer { l in
                classifier.forward(x: x.pointer, batch: batch, workspace: ws)
                return classifier.crossEntropyBackward(x: x.pointer, labels: l.baseAddress!, workspace: ws)
            }
        }
        _ = loss()
        let nonTrivial = expectParameterGradientsMatchFiniteDifferences(of: classifier.parameters, analytic: ws.gradients.array,
                                                                         rel: 2e-2, abs: 2e-4, loss: loss)
        #expect(nonTrivial > classifier.parameters.count / 4)
        // The probabilities are a distribution and the features the last hidden layer's width.
        let (p, features) = classifier.evaluate(Matrix(rows: batch, columns: 5, elements: x.array))
        #expect(features.columns == 6 && (0..<batch).allSatisfy { abs(p.row($0).reduce(0, +) - 1) < 1e-5 })
    }

    @Test func classifierLearnsTheDigits() throws {
        var rng = RandomSource(seed: 0)
        let digits = try ImageDataset.digits.load(rng: &rng)
        let classifier = try ClassifierTraining.digits.fit(digits.train, labels: digits.trainLabels, classes: 10, rng: &rng)
        let accuracy = ClassifierTraining.accuracy(of: classifier, on: digits.test, labels: digits.testLabels)
        #expect(accuracy >= 0.97, "test accuracy \(accuracy)")
    }
}
