/// Score matching without knowing p (Hyvarinen, 2005): after integration by parts,
///
///     J(theta) = E_p[ tr(ds/dx) + 0.5 ||s||^2 ]      (equal to 0.5 E_p||s - grad log p||^2 - C)
///
/// The trace costs d Jacobian-vector products; the Hutchinson identity E_v[v^T A v] = tr(A)
/// (for E[v v^T] = I) turns it into one per projection (Song et al., 2019). Three estimators:
///
/// - `exact`: tr(J) = sum_j e_j^T J e_j from d tangents per row. Cost grows like d.
/// - `sliced`: SSM, (1/M) sum_m [ v_m^T J v_m + 0.5 (v_m^T s)^2 ].
/// - `slicedVarianceReduced`: SSM-VR, (1/M) sum_m v_m^T J v_m + 0.5 ||s||^2 (norm term exact).
///
/// Each J v is exact (forward mode through the network: `NetworkBatch.tangentScore`),
/// and the parameter gradients are exact too (backpropagation through primal and tangents).
/// On `TrainingData.gaussian` data each row's loss is weighted by sigma^2; the expectation is
/// then over the perturbed density q_sigma, whose score the network learns at every sigma. On
/// `TrainingData.corrupted` data the weight is tau^2, with tau as `scaling` says.
/// Per call it draws, in order: sigmas, noise (when perturbing), then the projections.
public final class HyvarinenScoreMatching: ScoreObjective {
    public enum Estimator: Sendable, Equatable {
        case exact
        case sliced(projections: Int, Projection)
        case slicedVarianceReduced(projections: Int, Projection)
    }

    /// What the estimators train on.
    public enum TrainingData: Sendable {
        /// The data as given, with the network conditioned on one fixed sigma (weight 1).
        case clean(sigma: Float)
        /// x~ = x + sigma z with sigma drawn per row and given to the network as its conditioning
        /// input, each row weighted by sigma^2 (as DSM's lambda): the noise-conditional variant
        /// whose score at every level is what annealed sampling needs.
        case gaussian(SigmaDistribution)
        /// x~ ~ k_sigma(. | x) from any corruption at sigma drawn per row, weighted by sigma^2 as
        /// above. The Hyvarinen objective needs no conditional score, so it learns the corrupted
        /// density's score even where DSM's target is useless (the uniform box) or missing (a
        /// deterministic degradation).
        case corrupted(any Corruption, SigmaDistribution)
    }

    public let estimator: Estimator
    public let data: TrainingData
    public let scaling: OutputScaling
    public let dimension: Int
    /// Rows the scratch holds.
    public private(set) var capacity = 0
    public let tangentCount: Int
    var sigma = FloatBuffer(count: 0)
    var noise = FloatBuffer(count: 0)
    var directions = FloatBuffer(count: 0)
    /// A corruption's corrupted rows and conditional scores (the latter unused: Hyvarinen needs none).
    var corrupted = Matrix(rows: 0, columns: 0)
    var conditionalScores = Matrix(rows: 0, columns: 0)
    /// Whether rows are weighted by tau^2 (all but clean data).
    private var weighted = false

    public init(estimator: Estimator, data: TrainingData, scaling: OutputScaling = .noiseLevel, dimension: Int) {
        switch estimator {
        case .exact: tangentCount = dimension
        case let .sliced(m, _), let .slicedVarianceReduced(m, _):
            precondition(m >= 1, "HyvarinenScoreMatching: at least one projection per row")
            tangentCount = m
        }
        switch data {
        case let .clean(sigma):
            precondition(sigma > 0 && sigma.isFinite, "HyvarinenScoreMatching: conditioning sigma must be positive")
        case let .gaussian(sigmas), let .corrupted(_, sigmas):
            precondition(sigmas.problem == nil, "HyvarinenScoreMatching: \(sigmas.problem!)")
        }
        self.estimator = estimator
        self.data = data
        self.scaling = scaling
        self.dimension = dimension
    }

    public func reserve(rows: Int) {
        guard rows > capacity else { return }
        capacity = rows
        sigma = FloatBuffer(count: rows)
        noise = FloatBuffer(count: rows * dimension)
        directions = FloatBuffer(count: tangentCount * rows * dimension)
    }

    public var name: String {
        switch estimator {
        case .exact: return "exact"
        case .sliced: return "ssm"
        case .slicedVarianceReduced: return "ssm-vr"
        }
    }

    public func prepare(_ clean: Matrix, rows: Range<Int>, into batch: NetworkBatch, rng: inout RandomSource) {
        checkBatch(clean, rows: rows, dimension: dimension, into: batch)
        let count = clean.rows, d = dimension, m = tangentCount, first = rows.lowerBound, n = rows.count
        let s = sigma.pointer, xt = batch.points.pointer
        batch.time.fill(0)
        switch data {
        case let .clean(level):
            batch.sigma.fill(level)
            batch.outputScale.fill(level)
            clean.elements.withUnsafeBufferPointer { xt.update(from: $0.baseAddress! + first * d, count: n * d) }
            weighted = false
        case let .gaussian(sigmas):
            sigmas.fill(s, count: count, rng: &rng)
            rng.fillNormal(noise.pointer, count: count * d)
            let z = noise.pointer
            clean.elements.withUnsafeBufferPointer { x in
                for i in rows {
                    for j in 0..<d { xt[(i - first) * d + j] = x[i * d + j] + s[i] * z[i * d + j] }
                }
            }
            (batch.sigma.pointer).update(from: s + first, count: n)
            (batch.outputScale.pointer).update(from: s + first, count: n)
            weighted = true
        case let .corrupted(corruption, sigmas):
            sigmas.fill(s, count: count, rng: &rng)
            if corrupted.rows != count {
                corrupted = Matrix(rows: count, columns: d)
                conditionalScores = Matrix(rows: count, columns: d)
            }
            for i in 0..<count {
                corruption.corrupt(row: i, of: clean, sigma: s[i], into: &corrupted, target: &conditionalScores, rng: &rng)
                guard rows.contains(i) else { continue }
                batch.outputScale[i - first] = scaling.outputScale(of: corruption, at: s[i])
            }
            (batch.sigma.pointer).update(from: s + first, count: n)
            corrupted.elements.withUnsafeBufferPointer { xt.update(from: $0.baseAddress! + first * d, count: n * d) }
            weighted = true
        }
        // Tangent block k holds the shard's rows (k * n + i), i < n.
        let v = batch.directions.pointer
        switch estimator {
        case .exact:
            // Block j holds e_j for every row.
            (v).update(repeating: 0, count: m * n * d)
            for j in 0..<m { for i in 0..<n { v[(j * n + i) * d + j] = 1 } }
        case let .sliced(_, projection), let .slicedVarianceReduced(_, projection):
            // Every row's directions are drawn, so the stream is the same for any shard; block k of
            // the whole batch starts at row k * count.
            projection.fill(directions.pointer, count: m * count, dimension: d, rng: &rng)
            for k in 0..<m {
                (v + k * n * d).update(from: directions.pointer + (k * count + first) * d, count: n * d)
            }
        }
    }

    public func loss(_ clean: Matrix, rows: Range<Int>, batch: NetworkBatch) -> Double {
        let d = dimension, m = tangentCount, n = rows.count
        let tau = batch.outputScale.pointer, v = batch.directions.pointer
        let score = batch.score.pointer, jv = batch.tangentScore.pointer
        let gs = batch.scoreGradient.pointer, gt = batch.tangentScoreGradient.pointer
        let traceScale: Float, slicedNorm: Bool
        switch estimator {
        case .exact: (traceScale, slicedNorm) = (1, false)
        case .sliced: (traceScale, slicedNorm) = (1 / Float(m), true)
        case .slicedVarianceReduced: (traceScale, slicedNorm) = (1 / Float(m), false)
        }
        var total = 0.0
        for i in 0..<n {
            let w = (weighted ? tau[i] * tau[i] : 1) / Float(clean.rows)
            let row = score + i * d, gRow = gs + i * d
            var trace: Float = 0, norm: Float = 0
            if !slicedNorm {
                for j in 0..<d { norm += 0.5 * row[j] * row[j]; gRow[j] = w * row[j] }
            } else {
                for j in 0..<d { gRow[j] = 0 }
            }
            for k in 0..<m {
                let offset = (k * n + i) * d
                var vjv: Float = 0, vs: Float = 0
                for j in 0..<d {
                    vjv += v[offset + j] * jv[offset + j]
                    vs += v[offset + j] * row[j]
                    gt[offset + j] = w * traceScale * v[offset + j]
                }
                trace += vjv
                if slicedNorm {
                    norm += 0.5 * vs * vs / Float(m)
                    for j in 0..<d { gRow[j] += w * vs * v[offset + j] / Float(m) }
                }
            }
            total += Double(w) * Double(traceScale * trace + norm)
        }
        return total
    }
}
