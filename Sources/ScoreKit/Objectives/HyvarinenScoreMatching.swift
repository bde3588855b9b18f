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
/// Each J v is exact (forward mode through the network, see `ScoreMLP.forward(directions:)`),
/// and the parameter gradients are exact too (backpropagation through primal and tangents).
/// On `Perturbation.gaussian` data each row's loss is weighted by sigma^2; the expectation is
/// then over the perturbed density q_sigma, whose score the network learns at every sigma. On
/// `Perturbation.kernel` data the weight is tau^2, with tau as `scaling` says.
/// Per call it draws, in order: sigmas, noise (when perturbing), then the projections.
public final class HyvarinenScoreMatching: ScoreObjective {
    public enum Estimator: Sendable, Equatable {
        case exact
        case sliced(projections: Int, Projection)
        case slicedVarianceReduced(projections: Int, Projection)
    }

    public let estimator: Estimator
    public let perturbation: Perturbation
    public let scaling: ScoreScaling
    public let dimension: Int
    /// Rows the scratch holds.
    public private(set) var capacity = 0
    public let tangentCount: Int
    var sigma = FloatBuffer(count: 0)
    var scale = FloatBuffer(count: 0)
    var perturbed = FloatBuffer(count: 0)
    var directions = FloatBuffer(count: 0)
    var scoreGradient = FloatBuffer(count: 0)
    var tangentGradient = FloatBuffer(count: 0)
    /// A kernel's corrupted rows and conditional scores (the latter unused: Hyvarinen needs none).
    var corrupted = Matrix(rows: 0, columns: 0)
    var conditionalScores = Matrix(rows: 0, columns: 0)
    /// The batch size the unit directions of `exact` are laid out for (0: not yet).
    private var unitDirectionsBatch = 0

    public init(estimator: Estimator, perturbation: Perturbation, scaling: ScoreScaling = .noiseLevel, dimension: Int) {
        switch estimator {
        case .exact: tangentCount = dimension
        case let .sliced(m, _), let .slicedVarianceReduced(m, _):
            precondition(m >= 1, "HyvarinenScoreMatching: at least one projection per row")
            tangentCount = m
        }
        switch perturbation {
        case let .clean(sigma):
            precondition(sigma > 0 && sigma.isFinite, "HyvarinenScoreMatching: conditioning sigma must be positive")
        case let .gaussian(sigmas), let .kernel(_, sigmas):
            precondition(sigmas.problem == nil, "HyvarinenScoreMatching: \(sigmas.problem!)")
        }
        self.estimator = estimator
        self.perturbation = perturbation
        self.scaling = scaling
        self.dimension = dimension
    }

    public func reserve(rows: Int) {
        guard rows > capacity else { return }
        capacity = rows
        sigma = FloatBuffer(count: rows)
        scale = FloatBuffer(count: rows)
        perturbed = FloatBuffer(count: rows * dimension)
        directions = FloatBuffer(count: tangentCount * rows * dimension)
        scoreGradient = FloatBuffer(count: rows * dimension)
        tangentGradient = FloatBuffer(count: tangentCount * rows * dimension)
        unitDirectionsBatch = 0
    }

    public var name: String {
        switch estimator {
        case .exact: return "exact"
        case .sliced: return "ssm"
        case .slicedVarianceReduced: return "ssm-vr"
        }
    }

    public func lossAndGradients(model: ScoreMLP, batch clean: Matrix, rows: Range<Int>, workspace: MLPWorkspace,
                                 rng: inout RandomSource) -> Double {
        let batch = clean.rows, d = dimension, m = tangentCount
        precondition(batch >= 1 && clean.columns == d, "HyvarinenScoreMatching: batch of \(batch) x \(clean.columns), expected rows of \(d)")
        precondition(!rows.isEmpty && rows.clamped(to: 0..<batch) == rows, "HyvarinenScoreMatching: rows \(rows) of a batch of \(batch)")
        precondition(workspace.tangentCount == tangentCount, "HyvarinenScoreMatching: workspace needs \(tangentCount) tangents")
        reserve(rows: batch)
        let s = sigma.pointer, tau = scale.pointer, xt = perturbed.pointer
        let weighted: Bool
        switch perturbation {
        case let .clean(level):
            sigma.fill(level)
            scale.fill(level)
            clean.elements.withUnsafeBufferPointer { xt.update(from: $0.baseAddress!, count: batch * d) }
            weighted = false
        case let .gaussian(sigmas):
            sigmas.fill(s, count: batch, rng: &rng)
            rng.fillNormal(xt, count: batch * d)
            clean.elements.withUnsafeBufferPointer { x in
                for i in 0..<batch {
                    for j in 0..<d { xt[i * d + j] = x[i * d + j] + s[i] * xt[i * d + j] }
                }
            }
            tau.update(from: s, count: batch)
            weighted = true
        case let .kernel(kernel, sigmas):
            sigmas.fill(s, count: batch, rng: &rng)
            if corrupted.rows != batch {
                corrupted = Matrix(rows: batch, columns: d)
                conditionalScores = Matrix(rows: batch, columns: d)
            }
            for i in 0..<batch {
                kernel.corrupt(row: i, of: clean, sigma: s[i], into: &corrupted, target: &conditionalScores, rng: &rng)
                tau[i] = scaling.scale(of: kernel, at: s[i])
            }
            corrupted.elements.withUnsafeBufferPointer { xt.update(from: $0.baseAddress!, count: batch * d) }
            weighted = true
        }
        // The network runs on the shard's n rows; tangent block k holds rows (k * n + i), i < n.
        let first = rows.lowerBound, n = rows.count
        let v = directions.pointer
        switch estimator {
        case .exact:
            if unitDirectionsBatch != n {
                // Block j holds e_j for every row.
                directions.fill(0)
                for j in 0..<m { for i in 0..<n { v[(j * n + i) * d + j] = 1 } }
                unitDirectionsBatch = n
            }
        case let .sliced(_, projection), let .slicedVarianceReduced(_, projection):
            projection.fill(v, count: m * batch, dimension: d, rng: &rng)
            if n < batch {
                // Block k of the whole batch starts at row k * batch; move the shard's rows to k * n
                // (never past where they come from, so front to back is safe).
                for k in 0..<m {
                    let to = v + k * n * d, from = v + (k * batch + first) * d
                    for e in 0..<(n * d) { to[e] = from[e] }
                }
            }
        }
        model.forward(x: xt + first * d, sigma: s + first, scale: tau + first, batch: n, workspace: workspace, directions: v)

        let score = workspace.score.pointer, jv = workspace.tangentScore.pointer
        let gs = scoreGradient.pointer, gt = tangentGradient.pointer
        let traceScale: Float, slicedNorm: Bool
        switch estimator {
        case .exact: (traceScale, slicedNorm) = (1, false)
        case .sliced: (traceScale, slicedNorm) = (1 / Float(m), true)
        case .slicedVarianceReduced: (traceScale, slicedNorm) = (1 / Float(m), false)
        }
        var total = 0.0
        for i in 0..<n {
            let w = (weighted ? tau[first + i] * tau[first + i] : 1) / Float(batch)
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
        model.backward(scoreGradient: gs, tangentScoreGradient: gt, workspace: workspace)
        return total
    }
}
