import Foundation

/// The probability-flow ODE of a continuous process (Song et al. 2021), whose solutions carry the
/// prior at t = 1 to the marginals of the SDE at every t, deterministically:
///
///     dx/dt = f(t) x - g(t)^2 s(x, t) / 2,   integrated from t = 1 down to the earliest time,
///
/// by Heun's method with fixed steps (2 evaluations a step) or by the adaptive Dormand-Prince
/// RK45 pair with relative and absolute tolerances (first-same-as-last: 6 evaluations per
/// attempted step after the first; the run reports what it took). Ends with Tweedie's denoising
/// step (on by default).
public struct ProbabilityFlowODE: ScoreSampler, Sendable {
    public enum Solver: Sendable, Equatable {
        case heun(steps: Int)
        case rk45(relativeTolerance: Double, absoluteTolerance: Double)
    }

    public let process: any ContinuousProcess
    public let solver: Solver
    public let denoise: Bool

    public init(process: any ContinuousProcess, solver: Solver, denoise: Bool = true) throws {
        switch solver {
        case let .heun(steps):
            guard steps >= 1 else { throw SamplerError("steps must be at least 1, got \(steps)") }
        case let .rk45(rtol, atol):
            try checkTolerances(relative: rtol, absolute: atol)
        }
        self.process = process
        self.solver = solver
        self.denoise = denoise
    }

    public var name: String {
        switch solver {
        case .heun: return "ode-heun"
        case .rk45: return "ode-rk45"
        }
    }

    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        var chains = Chains(count: count, dimension: score.dimension)
        chains.startGaussian(standardDeviation: process.priorStandardDeviation, rng: &rng)
        var ode = FlowField(process: process, dimension: score.dimension, count: count)
        var evaluations: Int
        switch solver {
        case let .heun(steps):
            evaluations = ode.heun(&chains.x, steps: steps, score: score, progress: progress, total: 2 * steps + (denoise ? 1 : 0))
        case let .rk45(rtol, atol):
            var y = chains.x.elements.map(Double.init)
            evaluations = DormandPrince(relativeTolerance: rtol, absoluteTolerance: atol)
                .integrate(&y, from: 1, to: process.earliestTime, { t, state, slope in ode.velocity(state, at: t, into: &slope, score: score) },
                           progress: { progress?(Int(1000 * $0), 1000) })
            for i in y.indices { chains.x.elements[i] = Float(y[i]) }
        }
        if denoise {
            chains.denoise(score, at: process.level(at: process.earliestTime))
            evaluations += 1
        }
        progress?(evaluations, evaluations)
        return SamplerRun(samples: chains.x, evaluations: evaluations)
    }
}

/// The velocity field dx/dt = f(t) x - g(t)^2 s(x, t) / 2 of a process and the scratch its
/// solvers step with: Heun on Float matrices, Dormand-Prince on a Double state.
struct FlowField {
    let process: any ContinuousProcess
    var stages: [Matrix]
    var probe: Matrix
    var scores: Matrix

    init(process: any ContinuousProcess, dimension: Int, count: Int) {
        self.process = process
        stages = (0..<2).map { _ in Matrix(rows: count, columns: dimension) }
        probe = Matrix(rows: count, columns: dimension)
        scores = Matrix(rows: count, columns: dimension)
    }

    /// stages[k] <- v(x, t).
    mutating func velocity(_ x: Matrix, at t: Double, into k: Int, score: some ScoreFunction) {
        let (f, g) = process.sde(at: t)
        score.score(x, at: process.level(at: t), into: &scores)
        let a = Float(f), b = Float(-0.5 * g * g)
        for i in x.elements.indices { stages[k].elements[i] = a * x.elements[i] + b * scores.elements[i] }
    }

    /// probe <- x + h sum_k weights[k] stages[k].
    mutating func combine(_ x: Matrix, _ h: Double, _ weights: [Double]) {
        for i in probe.elements.indices { probe.elements[i] = x.elements[i] }
        for (k, c) in weights.enumerated() where c != 0 {
            let w = Float(h * c)
            for i in probe.elements.indices { probe.elements[i] += w * stages[k].elements[i] }
        }
    }

    static let euler: [Double] = [1], trapezoid: [Double] = [0.5, 0.5]

    /// Fixed-step Heun from t = 1 to the earliest time; returns the evaluations.
    mutating func heun(_ x: inout Matrix, steps: Int, score: some ScoreFunction, progress: ((Int, Int) -> Void)?, total: Int) -> Int {
        let end = process.earliestTime, h = (end - 1) / Double(steps)
        for i in 0..<steps {
            let t = 1 + Double(i) * h
            velocity(x, at: t, into: 0, score: score)
            combine(x, h, Self.euler)
            velocity(probe, at: t + h, into: 1, score: score)
            combine(x, h, Self.trapezoid)
            swap(&x, &probe)
            progress?(2 * (i + 1), total)
        }
        return 2 * steps
    }

    /// The same field on a flat Double state, for `DormandPrince`: x is copied in and out.
    mutating func velocity(_ y: [Double], at t: Double, into dy: inout [Double], score: some ScoreFunction) {
        for i in probe.elements.indices { probe.elements[i] = Float(y[i]) }
        velocity(probe, at: t, into: 0, score: score)
        for i in dy.indices { dy[i] = Double(stages[0].elements[i]) }
    }
}
