import Foundation

/// A kernel's 1-D convolution with a Gaussian, c(z) = integral N(z - u; 0, v) k(u) du, tabulated
/// once for kernels whose convolution is a quadrature (`AdditiveNoise.convolvesByQuadrature`,
/// Student-t): the quadrature costs some 200 microseconds a point, which a Langevin chain pays at
/// every step.
///
/// log c and its derivative are stored on a grid uniform in w = asinh(z / width), fine near the
/// component (spacing ~ width h) and logarithmic in the tails, where log c varies like log |z|;
/// they are read back by cubic Hermite interpolation, whose derivative gives the score. The
/// score's error is below 1e-6 relative to its size (a test compares with the quadrature);
/// beyond `reach` the quadrature itself answers.
package struct ConvolutionTable: Sendable {
    let width: Double
    let step: Double
    let reach: Double
    /// log c and d(log c)/dw at the grid's points w_i = -W + i h.
    let logDensity: [Double]
    let slope: [Double]

    package init(kernel: some AdditiveNoise, variance: Double, points: Int = 8193) {
        width = min(variance.squareRoot(), kernel.sigma)
        reach = 1e4 * max(variance.squareRoot(), kernel.sigma)
        let top = asinh(reach / width)
        step = 2 * top / Double(points - 1)
        var values: [Double] = [], slopes: [Double] = []
        for i in 0..<points {
            let w = -top + Double(i) * step, z = width * sinh(w)
            let c = kernel.convolved(y: z, mean: 0, variance: variance)!
            values.append(c.logDensity)
            slopes.append(c.score * width * cosh(w))
        }
        logDensity = values
        slope = slopes
    }

    /// log c(z) and (log c)'(z); nil beyond the grid.
    package func value(at z: Double) -> (logDensity: Double, score: Double)? {
        guard abs(z) < reach else { return nil }
        let w = asinh(z / width), position = (w - (-Double(logDensity.count - 1) * step / 2)) / step
        let i = min(max(Int(position), 0), logDensity.count - 2), t = position - Double(i)
        let f0 = logDensity[i], f1 = logDensity[i + 1], m0 = slope[i] * step, m1 = slope[i + 1] * step
        let t2 = t * t, t3 = t2 * t
        let value = (2 * t3 - 3 * t2 + 1) * f0 + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * f1 + (t3 - t2) * m1
        let derivative = ((6 * t2 - 6 * t) * f0 + (3 * t2 - 4 * t + 1) * m0 + (-6 * t2 + 6 * t) * f1 + (3 * t2 - 2 * t) * m1) / step
        return (value, derivative / (width * cosh(w)))
    }
}

/// The tables one perturbed mixture has built, by noise level and component variance, shared by
/// the copies of it that each level makes. Built on first use, under a lock.
final class ConvolutionTables: @unchecked Sendable {
    private var tables: [[UInt64]: ConvolutionTable] = [:]
    private let lock = NSLock()

    func table(for kernel: some AdditiveNoise, variance: Double) -> ConvolutionTable {
        let key = [kernel.sigma.bitPattern, variance.bitPattern]
        lock.lock()
        defer { lock.unlock() }
        if let table = tables[key] { return table }
        let table = ConvolutionTable(kernel: kernel, variance: variance)
        tables[key] = table
        return table
    }
}
