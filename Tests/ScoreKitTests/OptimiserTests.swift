import Foundation
import Testing
import ScoreKit

@Suite struct OptimiserTests {
    /// Two steps by the PyTorch formula, computed in Double.
    func referenceAdam(_ p0: [Float], _ gradients: [[Float]], lr: Double, eps: Double) -> [Double] {
        let b1 = 0.9, b2 = 0.999
        var p = p0.map(Double.init), m = p.map { _ in 0.0 }, v = m
        for (t, g) in gradients.enumerated() {
            for i in p.indices {
                m[i] = b1 * m[i] + (1 - b1) * Double(g[i])
                v[i] = b2 * v[i] + (1 - b2) * Double(g[i]) * Double(g[i])
                let step = Double(t + 1)
                let denom = (v[i] / (1 - pow(b2, step))).squareRoot() + eps
                p[i] -= lr * (m[i] / (1 - pow(b1, step))) / denom
            }
        }
        return p
    }

    @Test(arguments: [Float(1), 1e-7])
    func adamMatchesHandComputedSteps(gradientScale: Float) {
        // At gradients of order 1 epsilon never shows; at 1e-7 it is a tenth of sqrt(v-hat), and
        // epsilon added before the second bias correction (sqrt(v) + eps) / sqrt(1 - beta2^t)
        // shrinks the first step from 0.91 lr to 0.24 lr: rejected by far.
        let p0: [Float] = [1, -2, 0.5]
        let g1: [Float] = [0.1, -0.3, 2].map { $0 * gradientScale }, g2: [Float] = [-0.2, 0.4, 1].map { $0 * gradientScale }
        let lr = 0.01
        let want = referenceAdam(p0, [g1, g2], lr: lr, eps: 1e-8)
        let params = FloatBuffer(p0)
        let adam = Adam(parameterCount: 3, learningRate: Float(lr))
        adam.update(parameters: params, gradients: FloatBuffer(g1))
        adam.update(parameters: params, gradients: FloatBuffer(g2))
        #expect(adam.step == 2)
        // Tolerance: a few Float ulps of the parameters (each about 1).
        for i in 0..<3 {
            #expect(isClose(Double(params[i]), want[i], rel: 1e-6), "parameter \(i): \(params[i]) vs \(want[i])")
        }
        // The first step has m-hat = g and sqrt(v-hat) = |g|: it moves every parameter by
        // lr |g| / (|g| + eps) against the sign of its gradient.
        let fresh = FloatBuffer(p0)
        Adam(parameterCount: 3, learningRate: Float(lr)).update(parameters: fresh, gradients: FloatBuffer(g1))
        for i in 0..<3 {
            let g = Double(g1[i])
            #expect(isClose(Double(p0[i] - fresh[i]), lr * g / (abs(g) + 1e-8), rel: 1e-3), "parameter \(i)")
        }
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
