import Foundation

/// The Dormand-Prince 5(4) pair (Dormand and Prince 1980) with the standard step-size control:
/// the error of each attempted step is the RMS over all components of
/// err / (atol + rtol max(|y|, |y_new|)); a step is accepted when that is at most 1, and the next
/// step is scaled by 0.9 err^(-1/5), clamped to [0.2, 10]. First-same-as-last: an accepted step's
/// last stage is the next step's first, so each attempt costs 6 evaluations after the first.
/// The ODE solver that the probability-flow sampler and the likelihood share.
struct DormandPrince {
    let relativeTolerance: Double
    let absoluteTolerance: Double

    static let c: [Double] = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1]
    static let a: [[Double]] = [
        [], [1.0 / 5], [3.0 / 40, 9.0 / 40], [44.0 / 45, -56.0 / 15, 32.0 / 9],
        [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
        [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
        [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
    ]
    /// Fifth- minus fourth-order weights: the local error estimate.
    static let e: [Double] = [71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40]

    /// Integrates dy/dt = f(t, y) from `start` to `end` (either direction) in place; returns the
    /// evaluations of f. `f` writes its value into its last argument. A non-finite error estimate
    /// (a diverging field) ends the solve early; the caller sees the non-finite state.
    func integrate(_ y: inout [Double], from start: Double, to end: Double,
                   _ f: (Double, [Double], inout [Double]) -> Void, progress: ((Double) -> Void)? = nil) -> Int {
        let n = y.count, span = end - start
        var k = (0..<7).map { _ in [Double](repeating: 0, count: n) }
        var probe = y
        var t = start, h = 0.01 * span, evaluations = 1
        f(t, y, &k[0])
        while (end - t) * span > 0 {
            if (t + h - end) * span > 0 { h = end - t }
            for stage in 1...6 {
                let weights = Self.a[stage]
                for i in 0..<n {
                    var sum = 0.0
                    for (j, w) in weights.enumerated() where w != 0 { sum += w * k[j][i] }
                    probe[i] = y[i] + h * sum
                }
                f(t + Self.c[stage] * h, probe, &k[stage])
                evaluations += 1
            }
            // probe holds the fifth-order solution, and k[6] the field there.
            var norm = 0.0
            for i in 0..<n {
                var err = 0.0
                for j in 0..<7 { err += Self.e[j] * k[j][i] }
                let scale = absoluteTolerance + relativeTolerance * max(abs(y[i]), abs(probe[i]))
                norm += (h * err / scale) * (h * err / scale)
            }
            norm = (norm / Double(max(n, 1))).squareRoot()
            guard norm.isFinite else { break }
            if norm <= 1 {
                t += h
                swap(&y, &probe)
                k.swapAt(0, 6)
                progress?((t - start) / span)
            }
            h *= norm == 0 ? 10 : min(10, max(0.2, 0.9 * pow(norm, -0.2)))
        }
        return evaluations
    }
}
