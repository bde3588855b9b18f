import ScoreKit

/// Pairs (x, x~) with x drawn from a Gaussian mixture and x~ ~ k_sigma(. | x), each with DSM's
/// target grad_x~ log k_sigma(x~ | x) and the exact score of q_sigma at x~: what the Monte Carlo
/// checks average over. Draws the clean points first, then the corruption row by row.
struct CorruptedPairs {
    let clean: Matrix
    let corrupted: Matrix
    let target: Matrix
    let exactScore: Matrix

    init(mixture: GaussianMixture, kernel: any Corruption, sigma: Double, count: Int, rng: inout RandomSource) {
        let d = mixture.dimension
        clean = mixture.sample(count: count, rng: &rng)
        var corrupted = Matrix(rows: count, columns: d), target = Matrix(rows: count, columns: d)
        for i in 0..<count {
            kernel.corrupt(row: i, of: clean, sigma: Float(sigma), into: &corrupted, target: &target, rng: &rng)
        }
        exactScore = kernel.corrupted(mixture).scores(corrupted, sigma: Float(sigma))
        self.corrupted = corrupted
        self.target = target
    }
}
