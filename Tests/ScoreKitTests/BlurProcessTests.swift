import Foundation
@testable import ScoreKit
import ScoreKitStudies
import Testing

/// The blur ladder as a forward process: its objective, its two samplers and Vincent's identity
/// for blur plus noise on a full-covariance mixture.
@Suite struct BlurProcessTests {
    static let shape = ImageShape(height: 5, width: 4)

    static func ladder(noise: Double, levels: Int = 6) -> BlurLadder {
        BlurLadder(shape: shape, levels: levels, noise: noise, smallestBlur: 0.5, largestBlur: 4)
    }

    /// R(x, k) = x: each sampler step is then a plain blur, and the whole run one known blur.
    struct IdentityRestoration: Restoration {
        let dimension: Int
        func restore(_ x: Matrix, level k: Int, into out: inout Matrix) { out = x }
    }

    /// R(x, k) = c for every row and level.
    struct ConstantRestoration: Restoration {
        let image: [Float]
        var dimension: Int { image.count }
        func restore(_ x: Matrix, level k: Int, into out: inout Matrix) {
            for i in 0..<x.rows { for j in 0..<image.count { out[i, j] = image[j] } }
        }
    }

    @Test func ladderBlursGeometricallyWithTheHeatOperator() {
        let ladder = Self.ladder(noise: 0.1)
        #expect(ladder.blurTime(level: 0) == 0)
        #expect(isClose(ladder.blurTime(level: 1), 0.125, rel: 1e-14) && isClose(ladder.blurTime(level: 6), 8, rel: 1e-14))
        for k in 1..<6 {
            // Widths s_k = sqrt(2 t_k) grow by the same factor (4 / 0.5)^(1/5) at every level.
            let ratio = (ladder.blurTime(level: k + 1) / ladder.blurTime(level: k)).squareRoot()
            #expect(isClose(ratio, pow(8, 0.2), rel: 1e-12), "level \(k): width ratio \(ratio)")
        }
        #expect(ladder.time(level: 3) == 0.5 && ladder.name == "blur+noise" && Self.ladder(noise: 0).name == "blur")
        var rng = RandomSource(seed: 1)
        let images = randomMatrix(3, Self.shape.pixels, rng: &rng)
        for k in [0, 2, 6] {
            let batch = ladder.blurred(images, level: k), exact = ladder.heat.apply(images, at: ladder.blurTime(level: k))
            var one = [Float](repeating: 0, count: Self.shape.pixels), scratch = one
            images.elements.withUnsafeBufferPointer { x in
                ladder.blur(count: 1, x.baseAddress! + Self.shape.pixels, level: k, into: &one, scratch: &scratch)
            }
            for j in 0..<Self.shape.pixels {
                #expect(abs(batch[1, j] - exact[1, j]) < 1e-6 && abs(one[j] - exact[1, j]) < 1e-6, "level \(k), pixel \(j)")
            }
        }
        // The prior: the top level's mean, and its variance at least eta^2 in every pixel.
        let many = randomMatrix(400, Self.shape.pixels, rng: &rng)
        let prior = ladder.prior(fittedTo: many)!, top = ladder.blurred(many, level: 6).meanAndCovariance()
        for j in 0..<Self.shape.pixels {
            #expect(abs(prior.means[0][j] - top.mean[j]) < 1e-12)
            #expect(abs(prior.covariances[0][j * Self.shape.pixels + j] - top.covariance[j * Self.shape.pixels + j] - 0.01) < 1e-5)
        }
    }

    @Test(arguments: [0.0, 0.1])
    func restorationGradientsMatchFiniteDifferences(noise: Double) {
        var rng = RandomSource(seed: 2)
        let d = Self.shape.pixels
        let model = ScoreMLP(configuration: MLPConfiguration(dimension: d, hiddenWidth: 6, hiddenLayers: 2, conditioning: .time(width: 4)), rng: &rng)
        let x = rng.normals(count: 3 * d)
        let nonTrivial = expectObjectiveGradientsMatchFiniteDifferences(BlurRestoration(ladder: Self.ladder(noise: noise)), model: model, x: x,
                                                                        batch: 3, seed: 5, rel: 2e-2, abs: 2e-3, label: "eta \(noise)")
        #expect(nonTrivial > 50)
    }

    /// The loss replayed by hand: a level per row, then the noise, then 0.5 mean ||R - x_0||^2.
    @Test(arguments: [0.0, 0.1])
    func restorationLossIsTheSquaredErrorOfTheRestoredImage(noise: Double) {
        var rng = RandomSource(seed: 3)
        let d = Self.shape.pixels, batch = 4, ladder = Self.ladder(noise: noise)
        let model = ScoreMLP(configuration: MLPConfiguration(dimension: d, hiddenWidth: 8, hiddenLayers: 2, conditioning: .time(width: 4)), rng: &rng)
        let clean = randomMatrix(batch, d, rng: &rng)
        let objective = BlurRestoration(ladder: ladder)
        var draws = RandomSource(seed: 9), replay = draws
        let loss = ObjectiveEvaluator(network: model, objective: objective, rows: batch).lossAndGradients(clean, rng: &draws)
        var levels: [Int] = []
        for _ in 0..<batch { levels.append(1 + Int(replay.next(upperBound: UInt64(6)))) }
        let z = noise > 0 ? replay.normals(count: batch * d) : [Float](repeating: 0, count: batch * d)
        let restoration = NetworkRestoration(model: model, ladder: ladder)
        var expected = 0.0
        for i in 0..<batch {
            var row = ladder.blurred(clean.gatherRows([i]), level: levels[i])
            for j in 0..<d { row[0, j] += Float(noise) * z[i * d + j] }
            var restored = row
            restoration.restore(row, level: levels[i], into: &restored)
            for j in 0..<d { expected += 0.5 * pow(Double(restored[0, j] - clean[i, j]), 2) / Double(batch) }
        }
        #expect(isClose(loss, expected, rel: 1e-5), "loss \(loss) vs \(expected)")
        // The objective's draws end where the replay's do.
        #expect(draws.next() == replay.next())
    }

    @Test func inverseHeatDissipationBlursThroughEveryLowerLevelAndEndsWithoutNoise() throws {
        let ladder = Self.ladder(noise: 0.1), d = Self.shape.pixels
        var rng = RandomSource(seed: 4)
        let prior = try #require(ladder.prior(fittedTo: randomMatrix(200, d, rng: &rng)))
        // R = identity, delta = 0: u_0 = A_(t_0) ... A_(t_(K-1)) u_K = A_(t_0 + ... + t_(K-1)) u_K.
        var run = RandomSource(seed: 6), replay = run
        let samples = InverseHeatDissipation(ladder: ladder, prior: prior, samplingNoise: 0)
            .sample(count: 5, restoration: IdentityRestoration(dimension: d), rng: &run).samples
        let start = prior.sample(count: 5, rng: &replay)
        let exact = ladder.heat.apply(start, at: (0..<6).reduce(0.0) { $0 + ladder.blurTime(level: $1) })
        for i in samples.elements.indices { #expect(abs(samples.elements[i] - exact.elements[i]) < 1e-4) }
        // R = c with noise: the last step returns A_0 c = c itself, with no noise added.
        let c = (0..<d).map { Float($0) / 10 }
        let constant = InverseHeatDissipation(ladder: ladder, prior: prior, samplingNoise: 0.5)
            .sample(count: 3, restoration: ConstantRestoration(image: c), rng: &run)
        #expect(constant.evaluations == 6)
        for i in 0..<3 { for j in 0..<d { #expect(abs(constant.samples[i, j] - c[j]) < 1e-6) } }
        // Clipped, a restoration beyond the range is held to it: c in [0, 1.9] ends in [0, 1].
        let clipped = InverseHeatDissipation(ladder: ladder, prior: prior, samplingNoise: 0.5, clip: -1...1)
            .sample(count: 2, restoration: ConstantRestoration(image: c), rng: &run).samples
        for j in 0..<d { #expect(abs(clipped[1, j] - min(1, c[j])) < 1e-6) }
    }

    /// With R = c the improved update telescopes: x_0 = x_K - A_(t_K) c + A_(t_0) c = c + A_(t_K) (x* - c).
    @Test func coldDiffusionTelescopesToTheRestoredImage() {
        let ladder = Self.ladder(noise: 0), d = Self.shape.pixels
        var rng = RandomSource(seed: 7)
        let start = randomMatrix(1, d, rng: &rng), c = rng.normals(count: d)
        let sampler = ColdDiffusion(ladder: ladder, trainingImages: start)
        let run = sampler.sample(count: 2, restoration: ConstantRestoration(image: c), rng: &rng)
        var difference = start
        for j in 0..<d { difference[0, j] -= c[j] }
        let top = ladder.blurred(difference, level: 6)
        for i in 0..<2 { for j in 0..<d { #expect(abs(run.samples[i, j] - (c[j] + top[0, j])) < 1e-5, "sample \(i), pixel \(j)") } }
        // Restoring the start itself gives it back exactly.
        let back = sampler.sample(count: 1, restoration: ConstantRestoration(image: start.elements), rng: &rng).samples
        for j in 0..<d { #expect(abs(back[0, j] - start[0, j]) < 1e-5) }
    }

    /// Blur plus noise is Gaussian in x~: E[-z / eta | x~] is the corrupted mixture's score, so
    /// D(s) does not depend on s. A target made with the wrong blur breaks it.
    @Test func vincentsIdentityHoldsForBlurPlusNoise() throws {
        var rng = RandomSource(seed: 10)
        let d = Self.shape.pixels, eta = 0.3, ladder = Self.ladder(noise: eta)
        func covariance() -> [Double] {
            let b = (0..<(d * d)).map { _ in 0.3 * rng.normalDouble() }
            return (0..<(d * d)).map { ij in (0..<d).reduce(ij / d == ij % d ? 0.2 : 0) { $0 + b[(ij / d) * d + $1] * b[(ij % d) * d + $1] } }
        }
        let mixture = try #require(FullCovarianceMixture(weights: [1, 2], means: [(0..<d).map { _ in rng.normalDouble() }, [Double](repeating: 0.5, count: d)],
                                                         covariances: [covariance(), covariance()]))
        let k = 3, a = ladder.heat.matrix(at: ladder.blurTime(level: k))
        let q = try #require(mixture.transformed(by: a, noiseVariance: eta * eta))
        let clean = mixture.sample(count: 20_000, rng: &rng)
        var corrupted = ladder.blurred(clean, level: k), target = corrupted, wrong = corrupted
        let sharper = ladder.blurred(clean, level: k - 1)
        for i in corrupted.elements.indices {
            let z = rng.normalDouble()
            corrupted.elements[i] += Float(eta * z)
            target.elements[i] = Float(-z / eta)
            // The conditional score of a kernel centred on the wrong blur of x.
            wrong.elements[i] = -(corrupted.elements[i] - sharper.elements[i]) / Float(eta * eta)
        }
        let exact = q.scores(corrupted)
        let scores: [(name: String, score: ([Double]) -> [Double])] = [
            ("zero", { x in [Double](repeating: 0, count: x.count) }), ("exact", { q.logDensityAndScore($0).score }),
            ("half exact", { q.logDensityAndScore($0).score.map { 0.5 * $0 } }),
        ]
        let check = DenoisingIdentityCheck(kernel: "blur+noise", corrupted: corrupted, target: target, exactScore: exact, scores: scores)
        #expect(check.holds, "\(check.comparisons)")
        let broken = DenoisingIdentityCheck(kernel: "wrong blur", corrupted: corrupted, target: wrong, exactScore: exact, scores: scores)
        #expect(!broken.holds, "\(broken.comparisons)")
        let half = Matrix(rows: exact.rows, columns: d, elements: exact.elements.map { 0.5 * $0 })
        #expect(ScoreError.relative(exact, exact: exact) == 0 && isClose(ScoreError.relative(half, exact: exact), 0.25, rel: 1e-6))
    }

    /// The exact restoration: for one Gaussian without blur, m + s / (s + eta^2) (u - m) per
    /// coordinate; for a mixture under blur, Tweedie's A E[x | u] = u + eta^2 grad log q(u).
    @Test func mixturePosteriorMeanIsTweediesDenoiser() throws {
        var rng = RandomSource(seed: 11)
        let d = Self.shape.pixels, eta = 0.3
        let variances = (0..<d).map { 0.5 + Double($0) / 10 }, m = (0..<d).map { _ in rng.normalDouble() }
        let gaussian = try #require(FullCovarianceMixture(weights: [1], means: [m],
                                                          covariances: [(0..<(d * d)).map { $0 % (d + 1) == 0 ? variances[$0 / d] : 0 }]))
        let identity = (0..<(d * d)).map { $0 % (d + 1) == 0 ? 1.0 : 0 }
        let u = (0..<d).map { _ in 2 * rng.normalDouble() }
        let plain = gaussian.posteriorMean(u, operator: identity, corrupted: try #require(gaussian.transformed(by: identity, noiseVariance: eta * eta)))
        for j in 0..<d { #expect(isClose(plain[j], m[j] + variances[j] / (variances[j] + eta * eta) * (u[j] - m[j]), rel: 1e-10)) }

        func covariance() -> [Double] {
            let b = (0..<(d * d)).map { _ in 0.3 * rng.normalDouble() }
            return (0..<(d * d)).map { ij in (0..<d).reduce(ij / d == ij % d ? 0.2 : 0) { $0 + b[(ij / d) * d + $1] * b[(ij % d) * d + $1] } }
        }
        let mixture = try #require(FullCovarianceMixture(weights: [1, 2], means: [(0..<d).map { _ in rng.normalDouble() }, [Double](repeating: 0.5, count: d)],
                                                         covariances: [covariance(), covariance()]))
        let ladder = Self.ladder(noise: eta), restoration = try #require(MixtureRestoration(mixture: mixture, ladder: ladder))
        let points = randomMatrix(3, d, rng: &rng)
        var restored = points
        restoration.restore(points, level: 4, into: &restored)
        let q = try #require(mixture.transformed(by: ladder.heat.matrix(at: ladder.blurTime(level: 4)), noiseVariance: eta * eta))
        let blurred = ladder.blurred(restored, level: 4), scores = q.scores(points)
        for i in 0..<3 {
            for j in 0..<d {
                let tweedie = Double(points[i, j]) + eta * eta * Double(scores[i, j])
                #expect(abs(Double(blurred[i, j]) - tweedie) < 1e-5, "row \(i), pixel \(j): \(blurred[i, j]) vs \(tweedie)")
            }
        }
    }
}
