import ScoreKit
import ScoreKitCLI

/// Times SGEMM alone at a workload's shapes, through the engine's own `BLAS.gemm`.
enum GemmTimer {
    /// The workload's rate if a step cost only its matrix products (steps/s, or sample-steps/s).
    /// `minimumSeconds` is shared among the distinct shapes (a U-Net has about 60), each timed for
    /// at least 20 ms.
    static func boundRate(_ workload: Workload, minimumSeconds: Double) -> Double {
        let products = workload.distinctProducts, perShape = max(0.02, minimumSeconds / Double(products.count))
        let seconds = products.reduce(0.0) { $0 + Double($1.calls) / callsPerSecond($1.shape, minimumSeconds: perShape) }
        return (workload.isSampler ? Double(workload.rowsPerPass) : 1) / seconds
    }

    static func callsPerSecond(_ shape: ProductShape, minimumSeconds: Double) -> Double {
        var rng = RandomSource(seed: 2)
        let a = FloatBuffer(rng.normals(count: shape.m * shape.k))
        let b = FloatBuffer(rng.normals(count: shape.k * shape.n))
        let c = FloatBuffer(count: shape.m * shape.n)
        func call() {
            BLAS.gemm(m: shape.m, n: shape.n, k: shape.k, a.pointer, transposeA: shape.transposeA,
                      b.pointer, transposeB: shape.transposeB, c.pointer)
        }
        call()
        return Stopwatch.rate(minimumSeconds: minimumSeconds, call)
    }
}
