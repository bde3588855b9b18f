import Foundation
import Testing
@testable import ScoreKit

/// Heat dissipation on images and the full-covariance mixture that stands in for them.
@Suite struct BlurTests {
    static let shape = ImageShape(height: 5, width: 4)

    @Test func heatOperatorIsSymmetricKeepsTheMeanAndComposes() {
        let heat = HeatDissipation(shape: Self.shape)
        let d = Self.shape.pixels
        let a = heat.matrix(at: 0.7), b = heat.matrix(at: 0.5), ab = heat.matrix(at: 1.2)
        for i in 0..<d {
            #expect(abs(a[i * d ..< (i + 1) * d].reduce(0, +) - 1) < 1e-12, "row \(i) of A_t sums to 1: the mean is kept")
            for j in 0..<d {
                #expect(abs(a[i * d + j] - a[j * d + i]) < 1e-14)
                let product = (0..<d).reduce(0.0) { $0 + a[i * d + $1] * b[$1 * d + j] }
                #expect(abs(product - ab[i * d + j]) < 1e-12, "A_0.7 A_0.5 = A_1.2 at (\(i), \(j))")
            }
        }
        // t = 0 is the identity; a long time flattens every image to its mean.
        let identity = heat.matrix(at: 0), flat = heat.matrix(at: 200)
        for i in 0..<d {
            for j in 0..<d {
                #expect(abs(identity[i * d + j] - (i == j ? 1 : 0)) < 1e-13)
                #expect(abs(flat[i * d + j] - 1 / Double(d)) < 1e-9)
            }
        }
    }

    /// Explicit Euler on dx/dt = -L x, with L the 4-neighbour Laplacian whose missing neighbours
    /// at the border are reflections of the pixel itself (Neumann), in 20,000 steps.
    @Test func heatOperatorSolvesTheHeatEquation() {
        let h = Self.shape.height, w = Self.shape.width, t = 0.8, steps = 20_000
        var rng = RandomSource(seed: 4)
        var x = (0..<Self.shape.pixels).map { _ in rng.normalDouble() }
        let start = x
        let dt = t / Double(steps)
        for _ in 0..<steps {
            var next = x
            for r in 0..<h {
                for c in 0..<w {
                    var laplacian = 0.0
                    for (dr, dc) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                        let rr = r + dr, cc = c + dc
                        if rr >= 0 && rr < h && cc >= 0 && cc < w { laplacian += x[r * w + c] - x[rr * w + cc] }
                    }
                    next[r * w + c] = x[r * w + c] - dt * laplacian
                }
            }
            x = next
        }
        let heat = HeatDissipation(shape: Self.shape)
        let a = heat.matrix(at: t), d = Self.shape.pixels
        let exact = (0..<d).map { i in (0..<d).reduce(0.0) { $0 + a[i * d + $1] * start[$1] } }
        for i in 0..<d { #expect(abs(exact[i] - x[i]) < 1e-4, "pixel \(i): \(exact[i]) vs Euler \(x[i])") }
        // The batched, separable product through GEMM gives the same images.
        let images = Matrix(rows: 2, columns: d, elements: (start + start.map { -2 * $0 }).map(Float.init))
        let blurred = heat.apply(images, at: t)
        for i in 0..<d {
            #expect(abs(Double(blurred[0, i]) - exact[i]) < 1e-5 && abs(Double(blurred[1, i]) + 2 * exact[i]) < 2e-5)
        }
    }

    @Test func mixtureScoreMatchesFiniteDifferencesAndSamplesItsMoments() throws {
        var rng = RandomSource(seed: 8)
        let d = 3
        let covariances: [[Double]] = [[2, 0.5, 0.1, 0.5, 1, 0.2, 0.1, 0.2, 0.5], [1, -0.3, 0, -0.3, 0.8, 0.1, 0, 0.1, 1.5]]
        let mixture = try #require(FullCovarianceMixture(weights: [1, 3], means: [[1, 0, -1], [-1, 2, 0]], covariances: covariances))
        let x = [0.3, 0.7, -0.4]
        let (_, score) = mixture.logDensityAndScore(x)
        for j in 0..<d {
            var up = x, down = x
            up[j] += 1e-5
            down[j] -= 1e-5
            let numeric = (mixture.logDensityAndScore(up).logDensity - mixture.logDensityAndScore(down).logDensity) / 2e-5
            #expect(isClose(score[j], numeric, rel: 1e-6, abs: 1e-8), "coordinate \(j): \(score[j]) vs \(numeric)")
        }
        // A single Gaussian's log-density in closed form: -0.5 (d log 2 pi + log det S + x^T S^{-1} x).
        let one = try #require(FullCovarianceMixture(weights: [1], means: [[0, 0, 0]], covariances: [[4, 0, 0, 0, 1, 0, 0, 0, 0.25]]))
        let expected = -0.5 * (3 * log(2 * Double.pi) + log(1.0) + (1.0 / 4 + 4.0 / 1 + 0.0625 / 0.25))
        #expect(isClose(one.logDensityAndScore([1, 2, 0.25]).logDensity, expected, rel: 1e-13))
        #expect(FullCovarianceMixture(weights: [1], means: [[0, 0]], covariances: [[1, 2, 2, 1]]) == nil)

        // A x + eta z: the transformed mixture's mean and covariance match a sample's.
        let a: [Double] = [0.5, 0.2, 0, 0.1, 0.9, 0, 0, 0.3, 0.4]
        let corrupted = try #require(mixture.transformed(by: a, noiseVariance: 0.04))
        let draws = mixture.sample(count: 200_000, rng: &rng)
        var pushed = Matrix(rows: draws.rows, columns: d)
        for i in 0..<draws.rows {
            for r in 0..<d {
                pushed[i, r] = Float((0..<d).reduce(0.0) { $0 + a[r * d + $1] * Double(draws[i, $1]) } + 0.2 * rng.normalDouble())
            }
        }
        let (mean, covariance) = pushed.meanAndCovariance()
        var exactMean = [Double](repeating: 0, count: d), exactSecond = [Double](repeating: 0, count: d * d)
        for k in 0..<2 {
            for i in 0..<d {
                exactMean[i] += corrupted.weights[k] * corrupted.means[k][i]
                for j in 0..<d {
                    exactSecond[i * d + j] += corrupted.weights[k] * (corrupted.covariances[k][i * d + j] + corrupted.means[k][i] * corrupted.means[k][j])
                }
            }
        }
        for i in 0..<d {
            #expect(abs(mean[i] - exactMean[i]) < 0.01, "mean \(i)")
            for j in 0..<d {
                let exactCovariance = exactSecond[i * d + j] - exactMean[i] * exactMean[j]
                #expect(abs(covariance[i * d + j] - exactCovariance) < 0.02, "covariance (\(i), \(j)): \(covariance[i * d + j]) vs \(exactCovariance)")
            }
        }
    }

    /// Deterministic blur keeps a density (covariances A S A^T) but squeezes it: the condition
    /// number grows like exp(2 t lambda_max) until the finest directions are numerically gone,
    /// and the score grows with it; a little noise (eta^2 I) caps both.
    @Test func blurWithoutNoiseGrowsIllConditioned() throws {
        var rng = RandomSource(seed: 0)
        let digits = try ImageDataset.digits.load(rng: &rng)
        let mixture = try #require(FullCovarianceMixture.fitted(to: digits.train, labels: digits.trainLabels, classes: 10))
        let heat = HeatDissipation(shape: digits.shape)
        var previous = mixture.conditionNumbers.max()!
        for t in [0.5, 1.0, 2.0] {
            let blurred = try #require(mixture.transformed(by: heat.matrix(at: t), noiseVariance: 0))
            let noisy = try #require(mixture.transformed(by: heat.matrix(at: t), noiseVariance: 1e-4))
            let condition = blurred.conditionNumbers.max()!
            #expect(condition > 10 * previous, "t = \(t): condition \(condition) after \(previous)")
            // The spectra without a Cholesky factor agree with the transformed mixture's.
            let spectra = mixture.transformedSpectra(by: heat.matrix(at: t), noiseVariance: 1e-4)
            #expect(isClose(spectra.map { $0.last! / $0.first! }.max()!, noisy.conditionNumbers.max()!, rel: 1e-6))
            #expect(noisy.conditionNumbers.max()! < condition)
            previous = condition
        }
    }

    /// The full-covariance mixture as a score function of a Gaussian process's level: with diagonal
    /// covariances it is `GaussianMixture`'s exact marginal, at a VP and a VE level; with full ones
    /// it is `transformed` by alpha I. Rejected: alpha not squared in the covariance, the noise
    /// added to every entry instead of the diagonal, the mean left unscaled.
    @Test func mixtureScoreAtALevelIsItsMarginals() throws {
        let variances: [[Double]] = [[2, 0.5, 1], [0.3, 1.5, 0.8]], means: [[Double]] = [[1, 0, -1], [-1, 2, 0]]
        let diagonalCovariances: [[Double]] = variances.map { v in (0..<9).map { (i: Int) -> Double in i % 4 == 0 ? v[i / 4] : 0 } }
        let diagonal = try #require(FullCovarianceMixture(weights: [1, 3], means: means, covariances: diagonalCovariances))
        let reference = GaussianMixture(weights: [0.25, 0.75], means: means, variances: variances)
        var rng = RandomSource(seed: 9)
        let x = Matrix(rows: 5, columns: 3, elements: (0..<15).map { _ in Float(2 * rng.normalDouble()) })
        for level in [NoiseLevel(time: 0.3, alpha: 0.8, sigma: 0.6), NoiseLevel(sigma: 2)] {
            let full = diagonal.scores(x, at: level), exact = reference.scores(x, at: level)
            for i in full.elements.indices { #expect(isClose(Double(full.elements[i]), Double(exact.elements[i]), rel: 1e-5, abs: 1e-6)) }
        }
        let covariances: [[Double]] = [[2, 0.5, 0.1, 0.5, 1, 0.2, 0.1, 0.2, 0.5], [1, -0.3, 0, -0.3, 0.8, 0.1, 0, 0.1, 1.5]]
        let mixture = try #require(FullCovarianceMixture(weights: [1, 3], means: means, covariances: covariances))
        let level = NoiseLevel(time: 0.5, alpha: 0.6, sigma: 0.8)
        let transformed = try #require(mixture.transformed(by: [0.6, 0, 0, 0, 0.6, 0, 0, 0, 0.6], noiseVariance: 0.64))
        let viaLevel = mixture.scores(x, at: level), viaOperator = transformed.scores(x)
        for i in viaLevel.elements.indices { #expect(isClose(Double(viaLevel.elements[i]), Double(viaOperator.elements[i]), rel: 1e-6, abs: 1e-7)) }
    }
}
