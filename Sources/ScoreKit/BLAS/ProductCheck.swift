/// A short test of the running kernels: products of ten shapes, with every transpose and several
/// (alpha, beta), against a Double reference. A tool runs it before it trusts kernels it chose
/// itself; it takes a few milliseconds.
public enum ProductCheck {
    /// The shapes (m, n, k): degenerate ones, odd edges around the kernels' unrolls, and ones that
    /// cross OpenBLAS's blocking.
    static let shapes = [(1, 1, 1), (3, 5, 7), (17, 2, 129), (64, 33, 3), (5, 1, 40),
                         (33, 65, 17), (128, 130, 64), (70, 3, 300), (96, 80, 100), (31, 129, 257)]
    static let scalings: [(alpha: Float, beta: Float)] = [(1, 0), (0.5, 1), (-2, 0.25)]

    /// Nil when every product matches the reference; otherwise what went wrong, in a few words.
    public static func run() -> String? {
        var rng = RandomSource(seed: 7)
        for (m, n, k) in shapes {
            let a = rng.normals(count: m * k), b = rng.normals(count: k * n), c0 = rng.normals(count: m * n)
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    for (alpha, beta) in scalings {
                        var c = c0
                        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                            BLAS.gemm(m: m, n: n, k: k, alpha: alpha, ap.baseAddress!, transposeA: transposeA,
                                      bp.baseAddress!, transposeB: transposeB, beta: beta, cp.baseAddress!)
                        } } }
                        let want = reference(m: m, n: n, k: k, alpha: alpha, a: a, transposeA: transposeA,
                                             b: b, transposeB: transposeB, beta: beta, c: c0)
                        if let bad = (0..<(m * n)).first(where: { !agrees(c[$0], want[$0], k: k) }) {
                            return "gave \(c[bad]) where \(want[bad]) is right (m \(m), n \(n), k \(k)"
                                + "\(transposeA ? ", A transposed" : "")\(transposeB ? ", B transposed" : ""), entry \(bad))"
                        }
                    }
                }
            }
        }
        return nil
    }

    /// alpha op(A) op(B) + beta C in Double, with the operands laid out as `BLAS.gemm` reads them.
    package static func reference(m: Int, n: Int, k: Int, alpha: Float, a: [Float], transposeA: Bool,
                                  b: [Float], transposeB: Bool, beta: Float, c: [Float]) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    sum += Double(transposeA ? a[p * m + i] : a[i * k + p]) * Double(transposeB ? b[j * k + p] : b[p * n + j])
                }
                out[i * n + j] = Double(alpha) * sum + Double(beta) * Double(c[i * n + j])
            }
        }
        return out
    }

    /// Float accumulation of k terms of size about 1 errs by about sqrt(k) ulp; the bound allows k.
    package static func agrees(_ value: Float, _ reference: Double, k: Int) -> Bool {
        abs(Double(value) - reference) <= 1e-5 * Double(max(k, 1)) + 1e-5 * abs(reference)
    }
}
