import Testing
@testable import ScoreKit

/// Data-parallel training rests on two facts checked here without MPI: the ranks' shards cover
/// the batch, and every objective's shares over shards that cover the batch sum to the whole
/// batch's loss and gradient, from the same draws.
@Suite struct ShardTests {
    /// One rank of `size`, sending nothing: enough to ask for its shard.
    struct Rank: GradientReducer {
        let rank: Int, size: Int
        func sum(_ buffer: FloatBuffer) {}
        func sum(_ value: Double) -> Double { value }
        func broadcast(_ buffer: FloatBuffer, from root: Int) {}
        func agree(on value: UInt64) -> Bool { true }
    }

    @Test func shardsCoverTheItemsInOrderAndDifferByAtMostOne() {
        for (count, size) in [(512, 2), (10, 3), (7, 7), (5, 1), (1000, 128), (3, 2)] {
            let shards = (0..<size).map { Rank(rank: $0, size: size).shard(of: count) }
            #expect(shards.first?.lowerBound == 0 && shards.last?.upperBound == count, "\(count) over \(size)")
            for (a, b) in zip(shards, shards.dropFirst()) { #expect(a.upperBound == b.lowerBound, "\(count) over \(size)") }
            let sizes = shards.map(\.count)
            #expect(sizes.max()! - sizes.min()! <= 1 && sizes.min()! >= 1, "\(count) over \(size): \(sizes)")
        }
        #expect(OneProcess().shard(of: 9) == 0..<9)
    }

    static let d = 3
    static let ladder = BlurLadder(shape: ImageShape(height: 3, width: 2), levels: 4, noise: 0.1, smallestBlur: 0.5, largestBlur: 2)

    /// Every objective, with a network that fits it: a fresh objective per call.
    static func objective(_ index: Int) -> (name: String, objective: any ScoreObjective, configuration: MLPConfiguration) {
        let plain = MLPConfiguration(dimension: d, hiddenWidth: 16, hiddenLayers: 2)
        let timed = MLPConfiguration(dimension: d, hiddenWidth: 16, hiddenLayers: 2, conditioning: .time(width: 4), parameterisation: .noise)
        let sigmas = SigmaDistribution.logUniform(min: 0.2, max: 3)
        switch index {
        case 0: return ("dsm, ve", DenoisingScoreMatching(sigmas: sigmas, dimension: d), plain)
        case 1: return ("dsm, vp", DenoisingScoreMatching(process: VariancePreservingSDE(), dimension: d), timed)
        // Laplace: a target -sign(u) / b that differs from row to row (a uniform kernel's is 0 inside its box).
        case 2: return ("dsm, laplace kernel", CorruptionDenoisingScoreMatching(corruption: LaplaceNoise(sigma: 1), sigmas: sigmas, dimension: d), plain)
        case 3: return ("exact", HyvarinenScoreMatching(estimator: .exact, data: .gaussian(sigmas), dimension: d), plain)
        case 4: return ("ssm", HyvarinenScoreMatching(estimator: .sliced(projections: 2, .rademacher), data: .gaussian(sigmas), dimension: d), plain)
        case 5: return ("ssm-vr, uniform kernel", HyvarinenScoreMatching(estimator: .slicedVarianceReduced(projections: 3, .gaussian),
                                                                          data: .corrupted(UniformNoise(sigma: 1), sigmas), dimension: d), plain)
        case 6: return ("blur restoration", BlurRestoration(ladder: ladder),
                        MLPConfiguration(dimension: ladder.shape.pixels, hiddenWidth: 16, hiddenLayers: 2, conditioning: .time(width: 4)))
        default: return ("blurring diffusion", BlurringDiffusionScoreMatching(process: BlurringDiffusion(shape: ladder.shape, largestBlur: 2)),
                         MLPConfiguration(dimension: ladder.shape.pixels, hiddenWidth: 16, hiddenLayers: 2, conditioning: .time(width: 4),
                                          parameterisation: .noise))
        }
    }

    /// Three uneven shards of a batch of 10 against the whole batch. Rejected: a shard that draws
    /// only its own rows (the generator ends elsewhere), a share normalised by its own rows (sums
    /// to 3 times too much in places), the network run on the wrong rows or with the wrong
    /// rows' noise levels or projections.
    @Test(arguments: 0..<8)
    func sharesOverShardsSumToTheWholeBatch(index: Int) {
        let (name, _, configuration) = Self.objective(index)
        var rng = RandomSource(seed: 11)
        let model = ScoreMLP(configuration: configuration, rng: &rng)
        let batch = randomMatrix(10, configuration.dimension, rng: &rng)
        func run(_ rows: Range<Int>) -> (loss: Double, gradients: [Float], state: [UInt64]) {
            let objective = Self.objective(index).objective
            let evaluator = ObjectiveEvaluator(network: model, objective: objective, rows: rows.count)
            var draws = RandomSource(seed: 5)
            let loss = evaluator.lossAndGradients(batch, rows: rows, rng: &draws)
            return (loss, evaluator.gradients.array, draws.state)
        }
        let whole = run(0..<10)
        let shares = [0..<4, 4..<5, 5..<10].map(run)
        let loss = shares.reduce(0) { $0 + $1.loss }
        #expect(isClose(loss, whole.loss, rel: 1e-6), "\(name): shares sum to \(loss), the batch \(whole.loss)")
        let scale = whole.gradients.map { abs(Double($0)) }.max()!
        #expect(scale > 0)
        for i in whole.gradients.indices {
            let sum = shares.reduce(0.0) { $0 + Double($1.gradients[i]) }
            guard abs(sum - Double(whole.gradients[i])) <= 1e-5 * scale else {
                Issue.record("\(name): parameter \(i): shards sum to \(sum), the batch \(whole.gradients[i])")
                return
            }
        }
        for share in shares { #expect(share.state == whole.state, "\(name): a shard left the generator elsewhere") }
    }
}
