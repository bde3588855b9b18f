import Foundation
import Testing
import ScoreKit

/// The special functions' one home (Sources/ScoreKit/Special): each against a direct formula
/// where that is representable, and at the edges where it is not.
@Suite struct SpecialFunctionTests {
    @Test func logSumExpMatchesTheDirectSumAndSurvivesItsUnderflow() {
        let values = [-1.3, 0.2, 2.7, -0.4]
        #expect(isClose(logSumExp(values), log(values.map(exp).reduce(0, +)), rel: 1e-15))
        // exp(-1000) underflows to 0; shifted by the maximum the sum is exact.
        #expect(isClose(logSumExp(values.map { $0 - 1000 }), log(values.map(exp).reduce(0, +)) - 1000, rel: 1e-15))
        #expect(logSumExp([]) == -.infinity && logSumExp([-.infinity, -.infinity]) == -.infinity)
        #expect(logSumExp([1, .infinity]) == .infinity && logSumExp([1, .nan]).isNaN)
        #expect(logSumExp([5]) == 5)
    }

    @Test func logAddExpKeepsATermFarBelowTheOther() {
        #expect(isClose(logAddExp(0.3, -1.1), log(exp(0.3) + exp(-1.1)), rel: 1e-15))
        #expect(logAddExp(-1.1, 0.3) == logAddExp(0.3, -1.1))
        // log(1 + e^-40) = e^-40 to double precision: log(1 + x) would round it away.
        #expect(isClose(logAddExp(0, -40) , exp(-40), rel: 1e-14))
        #expect(logAddExp(-.infinity, 2) == 2 && logAddExp(-.infinity, -.infinity) == -.infinity)
        #expect(logAddExp(.infinity, 2) == .infinity && logAddExp(.nan, 2).isNaN)
    }

    @Test func logErfcIsContinuousWhereItChangesMethod() {
        for t in [-3.0, -0.5, 0, 0.7, 4, 12] { #expect(isClose(logErfc(t), log(erfc(t)), rel: 1e-14), "t = \(t)") }
        // Either side of t = 26 the two methods agree (the series' relative error is below 1e-12).
        let below = logErfc(26), above = logErfc(26.000_000_001)
        #expect(isClose(below, above, rel: 1e-9), "\(below) against \(above)")
        // Far out, where erfc itself is 0: log erfc(t) ~ -t^2 - log(t sqrt(pi)) + log(1 - 1/(2t^2)), to 2e-10.
        #expect(Foundation.erfc(40.0) == 0 && isClose(logErfc(40), -1600 - log(40 * Double.pi.squareRoot()) + log(1 - 0.5 / 1600), rel: 1e-9))
        #expect(isClose(logErfc(-.infinity), log(2), rel: 1e-15) && logErfc(.infinity) == -.infinity && logErfc(.nan).isNaN)
    }

    @Test(arguments: [1, 2, 5, 16])
    func gaussLegendreIsExactToDegreeTwoNMinusOne(points: Int) {
        let rule = GaussLegendre(points: points)
        #expect(isClose(rule.weights.reduce(0, +), 2, rel: 1e-14), "the weights sum to the length of [-1, 1]")
        for degree in 0..<(2 * points) {
            // The integral of x^k over [-0.5, 2].
            let exact = (pow(2, Double(degree + 1)) - pow(-0.5, Double(degree + 1))) / Double(degree + 1)
            #expect(isClose(rule.integrate(-0.5, 2) { pow($0, Double(degree)) }, exact, rel: 1e-12, abs: 1e-13), "n \(points), x^\(degree)")
        }
    }
}
