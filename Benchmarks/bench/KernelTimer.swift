import Foundation
import ScoreKit
import ScoreKitCLI

/// Micro-benchmarks of the elementwise work around the matrix products, at the dsm-toy sizes
/// (a 512 x 128 activation block, 17,282 parameters, 512 x 2 noise), in ns per element.
enum KernelTimer {
    static func report(minimumSeconds: Double) {
        let rows = 512, columns = 128, n = rows * columns
        var rng = RandomSource(seed: 3)
        let pre = FloatBuffer(rng.normals(count: n).map { 3 * $0 }), work = FloatBuffer(count: n)
        let out = FloatBuffer(count: n), slope = FloatBuffer(count: n), bias = FloatBuffer(rng.normals(count: columns))
        let parameters = FloatBuffer(rng.normals(count: 17_282)), gradients = FloatBuffer(rng.normals(count: 17_282))
        let adam = Adam(parameterCount: 17_282)
        let noise = FloatBuffer(count: 1024)
        let cases: [(String, Int, () -> Void)] = [
            ("FastMath.exp", n, { for i in 0..<n { out.pointer[i] = FastMath.exp(pre.pointer[i]) } }),
            ("biasSiLU, training (pre, out, slope)", n, {
                work.copy(from: pre)
                Kernels.biasSiLU(rows: rows, columns: columns, pre: work.pointer, bias: bias.pointer, out: out.pointer, slope: slope.pointer)
            }),
            ("copy of the block (baseline of the above)", n, { work.copy(from: pre) }),
            ("biasSiLU, inference (out only)", n, {
                Kernels.biasSiLU(rows: rows, columns: columns, pre: pre.pointer, bias: bias.pointer, out: out.pointer)
            }),
            ("multiply by SiLU slope", n, { Kernels.multiply(count: n, out.pointer, by: slope.pointer) }),
            ("column sums (bias gradient)", n, { Kernels.columnSums(rows: rows, columns: columns, pre.pointer, into: bias.pointer) }),
            ("Adam update", 17_282, { adam.update(parameters: parameters, gradients: gradients) }),
            ("Gaussian noise (Box-Muller)", 1024, { rng.fillNormal(noise.pointer, count: 1024) }),
        ]
        for (name, count, work) in cases {
            let calls = Stopwatch.rate(minimumSeconds: minimumSeconds, work)
            printNow("  " + name.padding(toLength: 44, withPad: " ", startingAt: 0)
                     + String(format: "%8.2f ns/element  %9.1f us/call", 1e9 / calls / Double(count), 1e6 / calls))
        }
    }
}
