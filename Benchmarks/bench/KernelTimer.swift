import Foundation
import ScoreKit
import ScoreKitCLI

/// Micro-benchmarks of the elementwise work around the matrix products, at the dsm-toy sizes
/// (a 512 x 128 activation block, 17,282 parameters, 512 x 2 noise), in ns per element, for
/// each clone of the kernels this CPU runs (the last column is the one in use).
enum KernelTimer {
    static func report(minimumSeconds: Double) {
        let rows = 512, columns = 128, n = rows * columns
        var rng = RandomSource(seed: 3)
        let pre = FloatBuffer(rng.normals(count: n).map { 3 * $0 }), work = FloatBuffer(count: n)
        let out = FloatBuffer(count: n), slope = FloatBuffer(count: n), bias = FloatBuffer(rng.normals(count: columns))
        let parameters = FloatBuffer(rng.normals(count: 17_282)), gradients = FloatBuffer(rng.normals(count: 17_282))
        let adam = Adam(parameterCount: 17_282)
        let noise = FloatBuffer(count: 1024)
        let inputs = FloatBuffer(rng.normals(count: 2 * rows)), weights = FloatBuffer(rng.normals(count: 2 * columns))
        let cases: [(String, Int, () -> Void)] = [
            ("exp", n, { Kernels.exp(count: n, pre.pointer, into: out.pointer) }),
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
            ("first layer, k = 2: product, then biasSiLU", n, {
                BLAS.gemm(m: rows, n: columns, k: 2, inputs.pointer, transposeA: false, weights.pointer, transposeB: true, work.pointer)
                Kernels.biasSiLU(rows: rows, columns: columns, pre: work.pointer, bias: bias.pointer, out: out.pointer)
            }),
            ("first layer, k = 2: fused (narrowLinearSiLU)", n, {
                Kernels.narrowLinearSiLU(rows: rows, outputs: columns, inputs: 2, inputs.pointer, weights: weights.pointer,
                                         weightStride: 2, bias: bias.pointer, into: out.pointer)
            }),
            ("Adam update", 17_282, { adam.update(parameters: parameters, gradients: gradients) }),
            ("Gaussian noise (Box-Muller)", 1024, { rng.fillNormal(noise.pointer, count: 1024) }),
        ]
        let clones = InstructionSet.supported
        printNow("  " + "ns per element".padding(toLength: 44, withPad: " ", startingAt: 0)
                 + clones.map { $0.rawValue.leftPadded(to: 10) }.joined())
        for (name, count, work) in cases {
            let times = clones.map { set in
                Kernels.using(set) { 1e9 / Stopwatch.rate(minimumSeconds: minimumSeconds, work) / Double(count) }!
            }
            printNow("  " + name.padding(toLength: 44, withPad: " ", startingAt: 0)
                     + times.map { String(format: "%.2f", $0).leftPadded(to: 10) }.joined())
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
