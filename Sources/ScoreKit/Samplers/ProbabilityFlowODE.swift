import Foundation

/// The probability-flow ODE of a continuous process (Song et al. 2021), whose solutions carry the
/// prior at t = 1 to the marginals of the SDE at every t, deterministically:
///
///     dx/dt = f(t) x - g(t)^2 s(x, t) / 2,   integrated from t = 1 down to the earliest time,
///
/// by Heun's method with fixed steps (2 evaluations a step) or by the adaptive Dormand-Prince
/// RK45 pair with relative and absolute tolerances (first-same-as-last: 6 evaluations per
/// attempted step after the first; the run reports what it took). Ends with Tweedie's denoising
/// step (on by default). A discrete chain has no ODE and is refused.
public struct ProbabilityFlowODE: Sampler, Sendable {
    public enum Solver: Sendable, Equatable {
        case heun(steps: Int)
        case rk45(relativeTolerance: Double, absoluteTolerance: Double)
    }

    public let process: any ForwardProcess
    public let solver: Solver
    public let denoise: Bool

    public init(process: any ForwardProcess, solver: Solver, denoise: Bool = true) throws {
        guard process.steps == nil else {
            throw SamplerError("the probability-flow ODE needs a continuous process; \(process.name) is a discrete chain (use ddim, or --process vp-sde)")
        }
        switch solver {
        case let .heun(steps):
            guard steps >= 1 else { throw SamplerError("steps must be at least 1, got \(steps)") }
        case let .rk45(rtol, atol):
            guard rtol > 0 && atol > 0 && rtol.isFinite && atol.isFinite else {
                throw SamplerError("tolerances must be positive and finite, got rtol \(rtol), atol \(atol)")
            }
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
            evaluations = ode.dormandPrince(&chains.x, relativeTolerance: rtol, absoluteTolerance: atol, score: score, progress: progress)
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
/// solvers step with.
struct FlowField {
    let process: any ForwardProcess
    var stages: [Matrix]
    var probe: Matrix
    var scores: Matrix

    init(process: any ForwardProcess, dimension: Int, count: Int) {
        self.process = process
        stages = (0..<7).map { _ in Matrix(rows: count, columns: dimension) }
        probe = Matrix(rows: count, columns: dimension)
        scores = Matrix(rows: count, columns: dimension)
    }

    /// stages[k] <- v(x, t).
    mutating func velocity(_ x: Matrix, at t: Double, into k: Int, score: some ScoreFunction) {
        let (f, g) = process.sde(at: t)!
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

    /// Dormand-Prince 5(4) with the standard step-size control (safety 0.9, factor clamped to
    /// [0.2, 10]); the error norm is the RMS over all coordinates of err / (atol + rtol max(|x|, |x_new|)).
    mutating func dormandPrince(_ x: inout Matrix, relativeTolerance rtol: Double, absoluteTolerance atol: Double,
                                score: some ScoreFunction, progress: ((Int, Int) -> Void)?) -> Int {
        let c: [Double] = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1]
        let a: [[Double]] = [
            [], [1.0 / 5], [3.0 / 40, 9.0 / 40], [44.0 / 45, -56.0 / 15, 32.0 / 9],
            [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
            [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
            [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
        ]
        // Fifth-order weights are a[6]; the error weights are b5 - b4.
        let e: [Double] = [71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40]
        let end = process.earliestTime
        var t = 1.0, h = -0.01 * (1 - end), evaluations = 0
        velocity(x, at: t, into: 0, score: score)
        evaluations += 1
        var error = Matrix(rows: x.rows, columns: x.columns)
        while t > end {
            if t + h < end { h = end - t }
            for stage in 1...6 {
                combine(x, h, a[stage])
                velocity(probe, at: t + c[stage] * h, into: stage, score: score)
                evaluations += 1
            }
            // probe holds the fifth-order solution (stage 6 was evaluated at it).
            for i in error.elements.indices {
                var err = 0.0
                for k in 0..<7 { err += e[k] * Double(stages[k].elements[i]) }
                error.elements[i] = Float(h * err)
            }
            var norm = 0.0
            for i in x.elements.indices {
                let scale = atol + rtol * max(abs(Double(x.elements[i])), abs(Double(probe.elements[i])))
                norm += pow(Double(error.elements[i]) / scale, 2)
            }
            norm = (norm / Double(max(x.elements.count, 1))).squareRoot()
            // A non-finite error (a diverging score) ends the solve; the caller sees the non-finite samples.
            guard norm.isFinite else { break }
            if norm <= 1 {
                t += h
                swap(&x, &probe)
                stages.swapAt(0, 6)
                progress?(Int(1000 * (1 - t) / (1 - end)), 1000)
            }
            h *= norm == 0 ? 10 : min(10, max(0.2, 0.9 * pow(norm, -0.2)))
        }
        return evaluations
    }
}
