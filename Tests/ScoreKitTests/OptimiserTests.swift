import Foundation
import Testing
import ScoreKit

@Suite struct OptimiserTests {
    @Test func adamMatchesHandComputedSteps() {
        // Two steps by the PyTorch formula, computed here in Double.
        let p0: [Float] = [1, -2, 0.5], g1: [Float] = [0.1, -0.3, 2], g2: [Float] = [-0.2, 0.4, 1]
        let lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8
        var p = p0.map(Double.init), m = [0.0, 0, 0], v = [0.0, 0, 0]
        for (t, g) in [g1, g2].enumerated() {
            for i in 0..<3 {
                m[i] = b1 * m[i] + (1 - b1) * Double(g[i])
                v[i] = b2 * v[i] + (1 - b2) * Double(g[i]) * Double(g[i])
                let step = Double(t + 1)
                let denom = (v[i] / (1 - pow(b2, step))).squareRoot() + eps
                p[i] -= lr * (m[i] / (1 - pow(b1, step))) / denom
            }
        }
        let params = FloatBuffer(p0)
        let adam = Adam(parameterCount: 3, learningRate: Float(lr))
        adam.update(parameters: params, gradients: FloatBuffer(g1))
        adam.update(parameters: params, gradients: FloatBuffer(g2))
        #expect(adam.step == 2)
        for i in 0..<3 { #expect(isClose(Double(params[i]), p[i], rel: 1e-6), "parameter \(i)") }
        // The first step moves every parameter by lr against the sign of its gradient.
        let fresh = FloatBuffer(p0)
        Adam(parameterCount: 3, learningRate: Float(lr)).update(parameters: fresh, gradients: FloatBuffer(g1))
        for i in 0..<3 { #expect(isClose(Double(p0[i] - fresh[i]), lr * Double(g1[i].sign == .minus ? -1 : 1), rel: 1e-5)) }
    }

    @Test func emaFollowsTheParameters() {
        let params = FloatBuffer([0, 10])
        let ema = ExponentialMovingAverage(of: params, decay: 0.9)
        params[0] = 1; params[1] = 0
        ema.update(from: params)
        #expect(isClose(Double(ema.shadow[0]), 0.1, rel: 1e-6))
        #expect(isClose(Double(ema.shadow[1]), 9, rel: 1e-6))
    }
}
