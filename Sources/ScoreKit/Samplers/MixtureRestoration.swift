/// The exact restoration of a `BlurLadder` with noise for data from a `FullCovarianceMixture`:
/// R(u, k) = E[x_0 | u] at each level (`FullCovarianceMixture.posteriorMean`), what a
/// perfectly trained `BlurRestoration` network would return. A sampler run with it has no
/// learning error, so its samples measure the sampler alone.
///
/// Each call builds its level's A_(t_k) and corrupted mixture, which a sampler needs once per
/// level: held for every level they would take K times the memory (0.7 GB at K = 1,000 on the digits).
public struct MixtureRestoration: Restoration {
    public let mixture: FullCovarianceMixture
    public let ladder: BlurLadder

    /// Nil without noise: under a strong blur the corrupted covariances A S_k A^T are singular.
    public init?(mixture: FullCovarianceMixture, ladder: BlurLadder) {
        precondition(mixture.dimension == ladder.shape.pixels, "MixtureRestoration: the mixture has \(mixture.dimension) coordinates for \(ladder.shape) images")
        guard ladder.noise > 0 else { return nil }
        self.mixture = mixture
        self.ladder = ladder
    }

    public var dimension: Int { mixture.dimension }

    /// Every corrupted covariance is at least eta^2 I, so its Cholesky factor exists unless eta^2
    /// is below rounding against the data's variance.
    public func restore(_ x: Matrix, level k: Int, into out: inout Matrix) {
        let a = ladder.heat.matrix(at: ladder.blurTime(level: k))
        guard let corrupted = mixture.transformed(by: a, noiseVariance: ladder.noise * ladder.noise) else {
            preconditionFailure("MixtureRestoration: eta = \(ladder.noise) is below rounding against the data's covariances at level \(k)")
        }
        for i in 0..<x.rows {
            let mean = mixture.posteriorMean(x.row(i).map(Double.init), operator: a, corrupted: corrupted)
            for j in 0..<dimension { out[i, j] = Float(mean[j]) }
        }
    }
}
