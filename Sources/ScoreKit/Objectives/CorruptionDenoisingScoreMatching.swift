/// Denoising score matching with any corruption, the tutorial's recipe taken literally:
///
///     x~ ~ k_sigma(. | x),   loss = mean_i 0.5 sigma_i^2 || s(x~_i, sigma_i) - grad log k_sigma_i(x~_i | x_i) ||^2
///
/// The weight is sigma^2 under either `scaling`: the target's variance is about 1 / sigma^2 for
/// every corruption here (1 / (rho sigma)^2 for the noisy contraction), and its inverse evens out
/// the target's noise across levels. `scaling` only sets what the network divides its output by.
/// with the corruption's conditional score as the target (0 where it defines none, as on the
/// uniform box's edges). Whether the minimiser is the perturbed density's score depends on Vincent's
/// identity holding for the corruption (`DenoisingIdentityCheck`). For Gaussian noise this is
/// `DenoisingScoreMatching`, which draws its noise in bulk and is the one to train with.
/// Per call it draws, in order, one sigma per row, then the noise row by row. A corruption
/// without a conditional score (a deterministic degradation) gives DSM nothing to regress onto
/// and is refused.
public final class CorruptionDenoisingScoreMatching: ScoreObjective {
    public let corruption: any Corruption
    public let sigmas: SigmaDistribution
    public let scaling: OutputScaling
    public let dimension: Int
    /// Rows the scratch holds.
    public private(set) var capacity = 0
    var sigma = FloatBuffer(count: 0)
    var perturbed = Matrix(rows: 0, columns: 0)
    var target = Matrix(rows: 0, columns: 0)

    public init(corruption: any Corruption, sigmas: SigmaDistribution, scaling: OutputScaling = .noiseLevel, dimension: Int) {
        precondition(sigmas.problem == nil, "CorruptionDenoisingScoreMatching: \(sigmas.problem!)")
        precondition(corruption.hasConditionalScore, "CorruptionDenoisingScoreMatching: \(corruption.name) has no conditional score to regress onto")
        self.corruption = corruption
        self.sigmas = sigmas
        self.scaling = scaling
        self.dimension = dimension
    }

    public var name: String { "dsm-\(corruption.name)" }
    public var tangentCount: Int { 0 }

    public func reserve(rows: Int) {
        guard rows > capacity else { return }
        capacity = rows
        sigma = FloatBuffer(count: rows)
    }

    public func prepare(_ clean: Matrix, rows: Range<Int>, into batch: NetworkBatch, rng: inout RandomSource) {
        checkBatch(clean, rows: rows, dimension: dimension, into: batch)
        let count = clean.rows, d = dimension, first = rows.lowerBound
        if perturbed.rows != count {
            perturbed = Matrix(rows: count, columns: d)
            target = Matrix(rows: count, columns: d)
        }
        let s = sigma.pointer
        sigmas.fill(s, count: count, rng: &rng)
        for i in 0..<count {
            corruption.corrupt(row: i, of: clean, sigma: s[i], into: &perturbed, target: &target, rng: &rng)
            guard rows.contains(i) else { continue }
            batch.sigma[i - first] = s[i]
            batch.time[i - first] = 0
            batch.outputScale[i - first] = scaling.outputScale(of: corruption, at: s[i])
        }
        perturbed.elements.withUnsafeBufferPointer { xt in
            batch.points.pointer.update(from: xt.baseAddress! + first * d, count: rows.count * d)
        }
    }

    public func loss(_ clean: Matrix, rows: Range<Int>, batch: NetworkBatch) -> Double {
        let d = dimension, first = rows.lowerBound, s = sigma.pointer
        let score = batch.score.pointer, grad = batch.scoreGradient.pointer
        var total = 0.0
        target.elements.withUnsafeBufferPointer { t in
            for i in rows {
                let w = s[i] * s[i] / Float(clean.rows), local = (i - first) * d
                for j in 0..<d {
                    let r = score[local + j] - t[i * d + j]
                    total += 0.5 * Double(w) * Double(r) * Double(r)
                    grad[local + j] = w * r
                }
            }
        }
        return total
    }
}
