import Testing
import ScoreKit

/// |a - b| <= abs + rel * max(|a|, |b|).
func isClose(_ a: Double, _ b: Double, rel: Double, abs: Double = 0) -> Bool {
    Swift.abs(a - b) <= abs + rel * max(Swift.abs(a), Swift.abs(b))
}

func randomMatrix(_ rows: Int, _ columns: Int, rng: inout RandomSource, scale: Float = 1) -> Matrix {
    Matrix(rows: rows, columns: columns, elements: rng.normals(count: rows * columns).map { $0 * scale })
}

/// Checks dL/dtheta (`analytic`, laid out like the flat `parameters` buffer) against central differences of
/// `loss` with step h = 1e-3 on each parameter in turn, within `rel` relative plus `abs`
/// absolute tolerance. Float32 losses make h = 1e-3 the balance between truncation (O(h^2))
/// and rounding (~1e-7 / h). Returns how many components were non-trivial (|dL/dtheta| > 1e-2),
/// so a caller can require that the check was not vacuous.
@discardableResult
func expectParameterGradientsMatchFiniteDifferences(of parameters: FloatBuffer, analytic: [Float], rel: Double, abs: Double,
                                                    label: String = "", loss: () -> Double) -> Int {
    let h: Float = 1e-3
    var nonTrivial = 0
    for i in 0..<parameters.count {
        let saved = parameters[i]
        parameters[i] = saved + h
        let up = loss()
        parameters[i] = saved - h
        let down = loss()
        parameters[i] = saved
        let numeric = (up - down) / (2 * Double(h))
        #expect(isClose(Double(analytic[i]), numeric, rel: rel, abs: abs), "\(label) parameter \(i): \(analytic[i]) vs \(numeric)")
        if Swift.abs(numeric) > 1e-2 { nonTrivial += 1 }
    }
    return nonTrivial
}

/// `x` read as `batch` rows.
func rows(_ x: [Float], _ batch: Int) -> Matrix { Matrix(rows: batch, columns: x.count / batch, elements: x) }

/// The same check for a training objective: the gradients of one `lossAndGradients` call on `x`
/// against finite differences of its loss, with the objective's noise replayed from `seed` on
/// every evaluation. Returns the non-trivial count as above.
@discardableResult
func expectObjectiveGradientsMatchFiniteDifferences(_ objective: any ScoreObjective, model: ScoreMLP, x: [Float], batch: Int, seed: UInt64,
                                                    rel: Double, abs: Double, label: String = "") -> Int {
    func loss(_ evaluator: ObjectiveEvaluator<ScoreMLP>) -> Double {
        var rng = RandomSource(seed: seed)
        return evaluator.lossAndGradients(rows(x, batch), rng: &rng)
    }
    let ws = ObjectiveEvaluator(network: model, objective: objective, rows: batch)
    let scratch = ObjectiveEvaluator(network: model, objective: objective, rows: batch)
    _ = loss(ws)
    return expectParameterGradientsMatchFiniteDifferences(of: model.parameters, analytic: ws.gradients.array, rel: rel, abs: abs, label: label) {
        loss(scratch)
    }
}
