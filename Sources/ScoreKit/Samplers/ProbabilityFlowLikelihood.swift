import Foundation

/// The log-density of given points under a score model, through its probability-flow ODE
/// (Song et al. 2021, appendix D; the instantaneous change of variables of Chen et al. 2018):
///
///     d/dt [x, l] = [v(x, t), div v(x, t)],   v = f(t) x - g(t)^2 s(x, t) / 2,
///     div v = d f(t) - g(t)^2 tr(ds/dx) / 2,
///
/// integrated from the earliest time eps_t up to t = 1 by Dormand-Prince, so that
/// log p_eps(x) = log N(x(1); 0, s^2 I) + l(1), with s the prior's standard deviation. The trace is
/// exact (d Jacobian-vector products per evaluation, by forward mode or, for a network without
/// it, reverse mode: `ScoreJacobian.jacobianTraces`) or Hutchinson's
/// estimate v^T (ds/dx) v with one probe v per point held fixed for the whole solve (Grathwohl et
/// al. 2019), unbiased for log p up to the solver's error.
public struct ProbabilityFlowLikelihood: Sendable {
    public enum Divergence: Sendable, Equatable {
        case exact
        case hutchinson(Projection)
    }

    public let process: any ContinuousProcess
    public let divergence: Divergence
    public let relativeTolerance: Double
    public let absoluteTolerance: Double

    public init(process: any ContinuousProcess, divergence: Divergence = .exact,
                relativeTolerance: Double = 1e-5, absoluteTolerance: Double = 1e-5) throws {
        try checkTolerances(relative: relativeTolerance, absolute: absoluteTolerance)
        self.process = process
        self.divergence = divergence
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
    }

    /// log p_eps of every row of `points`, in nats. Draws the Hutchinson probes from `rng`.
    public func logDensities(of points: Matrix, score: some ScoreJacobian, rng: inout RandomSource,
                             progress: ((Double) -> Void)? = nil) -> LikelihoodRun {
        let n = points.rows, d = points.columns
        precondition(d == score.dimension, "ProbabilityFlowLikelihood: points have \(d) columns, the score \(score.dimension)")
        let m: Int
        var directions: Matrix
        switch divergence {
        case .exact:
            m = d
            directions = Matrix(rows: d * n, columns: d)
            for j in 0..<d { for i in 0..<n { directions[j * n + i, j] = 1 } }
        case let .hutchinson(projection):
            m = 1
            directions = Matrix(rows: n, columns: d)
            directions.elements.withUnsafeMutableBufferPointer { projection.fill($0.baseAddress!, count: n, dimension: d, rng: &rng) }
        }
        var x = Matrix(rows: n, columns: d), scores = Matrix(rows: n, columns: d), products = Matrix(rows: m * n, columns: d)
        var traces = [Double](repeating: 0, count: n)
        // State: the n d coordinates, then the n accumulated divergences.
        var y = points.elements.map(Double.init) + [Double](repeating: 0, count: n)
        let field = { (t: Double, state: [Double], slope: inout [Double]) in
            let (f, g) = process.sde(at: t)
            for i in 0..<(n * d) { x.elements[i] = Float(state[i]) }
            score.jacobianTraces(x, at: process.level(at: t), directions: directions, scores: &scores, products: &products, traces: &traces)
            for i in 0..<(n * d) { slope[i] = f * state[i] - 0.5 * g * g * Double(scores.elements[i]) }
            for i in 0..<n { slope[n * d + i] = Double(d) * f - 0.5 * g * g * traces[i] }
        }
        let evaluations = DormandPrince(relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
            .integrate(&y, from: process.earliestTime, to: 1, field, progress: progress)
        let s2 = process.priorStandardDeviation * process.priorStandardDeviation
        let logDensities = (0..<n).map { i -> Double in
            var square = 0.0
            for j in 0..<d { square += y[i * d + j] * y[i * d + j] }
            return -0.5 * square / s2 - 0.5 * Double(d) * log(2 * Double.pi * s2) + y[n * d + i]
        }
        return LikelihoodRun(logDensities: logDensities, divergenceIntegrals: Array(y[(n * d)...]),
                             latents: Matrix(rows: n, columns: d, elements: y[0..<(n * d)].map(Float.init)), evaluations: evaluations)
    }
}

/// Log-densities of points and what they cost.
public struct LikelihoodRun: Sendable {
    /// log p of each point, in nats.
    public let logDensities: [Double]
    /// The integral of div v along each point's path, which log p adds to the prior's log-density.
    public let divergenceIntegrals: [Double]
    /// Where each point's path ends at t = 1: its code under the deterministic encoder.
    public let latents: Matrix
    /// Score evaluations (each with its Jacobian products) the solve took.
    public let evaluations: Int

    public var dimension: Int { latents.columns }

    /// The negative log-likelihood, nats per point.
    public var meanNegativeLogLikelihood: Double { -logDensities.reduce(0, +) / Double(max(logDensities.count, 1)) }
    /// The same in bits per dimension.
    public var bitsPerDimension: Double { meanNegativeLogLikelihood / (Double(dimension) * log(2)) }
}
