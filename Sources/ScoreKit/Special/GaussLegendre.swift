import Foundation

/// Gauss-Legendre quadrature on [a, b]: exact for polynomials of degree 2n - 1. Nodes and
/// weights come from Newton's method on the Legendre polynomial P_n (Golub-Welsch would need an
/// eigen-solver), accurate to double precision for the small n used here.
package struct GaussLegendre: Sendable {
    package let nodes: [Double]
    package let weights: [Double]

    /// The n-point rule, n >= 1 (n = 1 is the midpoint rule).
    package init(points n: Int) {
        precondition(n >= 1, "GaussLegendre: at least one point, got \(n)")
        var nodes = [Double](repeating: 0, count: n), weights = nodes
        for i in 0..<n {
            // Chebyshev-like initial guess for the i-th root, then Newton on P_n.
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                var p0 = 1.0, p1 = x
                for k in stride(from: 2, through: n, by: 1) { (p0, p1) = (p1, ((2 * Double(k) - 1) * x * p1 - (Double(k) - 1) * p0) / Double(k)) }
                derivative = Double(n) * (x * p1 - p0) / (x * x - 1)
                let step = p1 / derivative
                x -= step
                if abs(step) < 1e-15 { break }
            }
            nodes[i] = x
            weights[i] = 2 / ((1 - x * x) * derivative * derivative)
        }
        self.nodes = nodes
        self.weights = weights
    }

    /// The integral of f over [a, b].
    package func integrate(_ a: Double, _ b: Double, _ f: (Double) -> Double) -> Double {
        let half = (b - a) / 2, mid = (a + b) / 2
        return zip(nodes, weights).reduce(0.0) { $0 + $1.1 * f(mid + half * $1.0) } * half
    }
}
