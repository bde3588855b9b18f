/// The exact restoration of a `BlurLadder` with noise for data from a `FullCovarianceMixture`:
/// R(u, k) = E[x_0 | u] at each level (`FullCovarianceMixture.posteriorMean`), what a
/// perfectly trained `BlurRestoration` network would return. A sampler run with it has no
/// learning error, so its samples measure the sampler alone.
public struct MixtureRestoration: Restoration {
    public let mixture: FullCovarianceMixture
    public let ladder: BlurLadder
    /// A_(t_k) (row-major, double) and the corrupted mixture at each level k = 0...K.
    let operators: [[Double]]
    let corrupted: [FullCovarianceMixture]

    /// Nil when a corrupted covariance is not positive definite (eta = 0 under a strong blur).
    public init?(mixture: FullCovarianceMixture, ladder: BlurLadder) {
        precondition(mixture.dimension == ladder.shape.pixels, "MixtureRestoration: the mixture has \(mixture.dimension) coordinates for \(ladder.shape) images")
        self.mixture = mixture
        self.ladder = ladder
        operators = (0...ladder.levels).map { ladder.heat.matrix(at: ladder.blurTime(level: $0)) }
        var corrupted: [FullCovarianceMixture] = []
        for a in operators {
            guard let q = mixture.transformed(by: a, noiseVariance: ladder.noise * ladder.noise) else { return nil }
            corrupted.append(q)
        }
        self.corrupted = corrupted
    }

    public var dimension: Int { mixture.dimension }

    public func restore(_ x: Matrix, level k: Int, into out: inout Matrix) {
        for i in 0..<x.rows {
            let mean = mixture.posteriorMean(x.row(i).map(Double.init), operator: operators[k], corrupted: corrupted[k])
            for j in 0..<dimension { out[i, j] = Float(mean[j]) }
        }
    }
}
