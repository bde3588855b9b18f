import Testing
import ScoreKit

@Suite struct BLASTests {
    /// Reference C = alpha op(A) op(B) + beta C in Double.
    func naive(m: Int, n: Int, k: Int, alpha: Float, a: [Float], ta: Bool, b: [Float], tb: Bool,
               beta: Float, c: [Float]) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = ta ? a[p * m + i] : a[i * k + p]
                    let bv = tb ? b[j * k + p] : b[p * n + j]
                    sum += Double(av) * Double(bv)
                }
                out[i * n + j] = Double(alpha) * sum + Double(beta) * Double(c[i * n + j])
            }
        }
        return out
    }

    /// `--threads auto` changes the count during a run; that keeps the bytes only because
    /// OpenBLAS splits a product's rows and columns over threads, never its sums. Checked at the
    /// engine's shapes: forward, weight-gradient (k = batch) and input-gradient products.
    @Test func productsDoNotDependOnTheThreadCount() {
        var rng = RandomSource(seed: 11)
        let saved = BLAS.threadCount
        defer { BLAS.threadCount = saved }
        for (m, n, k, ta, tb) in [(512, 128, 130, false, true), (128, 130, 512, true, false), (512, 130, 128, false, false),
                                  (256, 1024, 1024, false, true), (1024, 1024, 256, true, false), (4096, 512, 512, false, true)] {
            let a = rng.normals(count: m * k), b = rng.normals(count: k * n)
            let products = [1, 2, 3].map { threads -> [Float] in
                BLAS.threadCount = threads
                var c = [Float](repeating: 0, count: m * n)
                BLAS.gemm(m: m, n: n, k: k, a, transposeA: ta, b, transposeB: tb, &c)
                return c
            }
            #expect(products[1] == products[0] && products[2] == products[0], "m \(m) n \(n) k \(k): the bits differ between 1, 2 and 3 threads")
        }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func gemmMatchesNaiveLoop(transposes: (Bool, Bool)) {
        var rng = RandomSource(seed: 7)
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 2, 129), (64, 33, 3), (5, 1, 40)] {
            let a = rng.normals(count: m * k), b = rng.normals(count: k * n), c0 = rng.normals(count: m * n)
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
                var c = c0
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    BLAS.gemm(m: m, n: n, k: k, alpha: alpha, ap.baseAddress!, transposeA: transposes.0,
                              bp.baseAddress!, transposeB: transposes.1, beta: beta, cp.baseAddress!)
                } } }
                let want = naive(m: m, n: n, k: k, alpha: alpha, a: a, ta: transposes.0, b: b, tb: transposes.1, beta: beta, c: c0)
                for i in 0..<(m * n) {
                    // Float32 accumulation of k terms of size ~1: error grows like sqrt(k) ulp.
                    #expect(isClose(Double(c[i]), want[i], rel: 1e-5, abs: 1e-5 * Double(k)), "m\(m) n\(n) k\(k) [\(i)]")
                }
            }
        }
    }

    @Test func betaZeroIgnoresNaNInOutput() {
        let a: [Float] = [1, 2], b: [Float] = [3, 4]
        var c: [Float] = [.nan]
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            BLAS.gemm(m: 1, n: 1, k: 2, ap.baseAddress!, transposeA: false, bp.baseAddress!, transposeB: false, cp.baseAddress!)
        } } }
        #expect(c[0] == 11)
    }
}
