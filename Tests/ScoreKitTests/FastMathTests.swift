import Foundation
import Testing
import ScoreKit

@Suite struct FastMathTests {
    /// Worst relative error of `f` against `reference` (in Double) over a dense grid of [lo, hi].
    func worstRelativeError(_ lo: Double, _ hi: Double, points: Int = 400_000,
                            _ f: (Float) -> Float, _ reference: (Double) -> Double) -> Double {
        var worst = 0.0
        for i in 0...points {
            let x = Float(lo + (hi - lo) * Double(i) / Double(points))
            let want = reference(Double(x))
            worst = max(worst, abs(Double(f(x)) - want) / abs(want))
        }
        return worst
    }

    @Test func expIsWithinTwoUlpOfExact() {
        let err = worstRelativeError(-87.3, 88, FastMath.exp, Foundation.exp)
        #expect(err < 2e-7, "worst relative error \(err)")
    }

    @Test func sigmoidAndSiLUAreAccurate() {
        let sig = worstRelativeError(-80, 80, FastMath.sigmoid) { 1 / (1 + Foundation.exp(-$0)) }
        #expect(sig < 4e-7, "sigmoid worst relative error \(sig)")
        let silu = worstRelativeError(-80, 80, FastMath.silu) { $0 / (1 + Foundation.exp(-$0)) }
        #expect(silu < 5e-7, "SiLU worst relative error \(silu)")
    }

    @Test func edgeCasesStayFiniteAndOrdered() {
        #expect(FastMath.exp(-1000) > 0 && FastMath.exp(-1000) < 1.2e-38)
        #expect(FastMath.exp(1000).isFinite && FastMath.exp(1000) > 1.6e38)
        #expect(FastMath.exp(.nan).isNaN)
        #expect(FastMath.sigmoid(1000) == 1)
        #expect(FastMath.sigmoid(-1000) >= 0 && FastMath.sigmoid(-1000) < 1.2e-38)
        #expect(FastMath.exp(0) == 1)
    }
}
