import Foundation
import ScoreKit

/// Denoising score matching with the weight sigma^power in place of DSM's sigma^2, written with
/// ScoreKit's public API only, as a user would add an objective:
///
///     x_t = alpha_t x + sigma_t z,   loss = mean_i 0.5 sigma_i^power || s(x_t,i, t_i) + z_i / sigma_i ||^2
///
/// Every weighting has the same minimiser, the perturbed density's score; power 2 is
/// `DenoisingScoreMatching`'s loss, with its draws in the same order (a level per row, then the
/// batch's normals).
final class PowerWeightedDenoising: ScoreObjective {
    let process: any ForwardProcess
    let dimension: Int
    let power: Double
    private var noise: [Float] = []
    private var levels: [NoiseLevel] = []

    init(process: any ForwardProcess, dimension: Int, power: Double) {
        self.process = process
        self.dimension = dimension
        self.power = power
    }

    var name: String { "dsm-sigma^\(power)" }
    var tangentCount: Int { 0 }

    func reserve(rows: Int) {
        levels.reserveCapacity(rows)
    }

    func prepare(_ clean: Matrix, rows: Range<Int>, into batch: NetworkBatch, rng: inout RandomSource) {
        let d = dimension
        levels.removeAll(keepingCapacity: true)
        for _ in 0..<clean.rows { levels.append(process.trainingLevel(uniform: rng.uniform())) }
        noise = rng.normals(count: clean.rows * d)
        batch.rows = rows.count
        for (r, i) in rows.enumerated() {
            let level = levels[i]
            batch.sigma[r] = Float(level.sigma)
            batch.time[r] = Float(level.time)
            batch.outputScale[r] = Float(level.sigma)
            for j in 0..<d {
                batch.points[r * d + j] = Float(level.alpha) * clean[i, j] + Float(level.sigma) * noise[i * d + j]
            }
        }
    }

    func loss(_ clean: Matrix, rows: Range<Int>, batch: NetworkBatch) -> Double {
        let d = dimension
        var total = 0.0
        for (r, i) in rows.enumerated() {
            let sigma = levels[i].sigma, weight = Float(pow(sigma, power) / Double(clean.rows))
            for j in 0..<d {
                let residual = batch.score[r * d + j] + noise[i * d + j] / Float(sigma)
                total += 0.5 * Double(weight) * Double(residual) * Double(residual)
                batch.scoreGradient[r * d + j] = weight * residual
            }
        }
        return total
    }
}
