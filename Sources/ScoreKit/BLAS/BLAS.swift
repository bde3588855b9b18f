import COpenBLAS

/// The only door to OpenBLAS: every matrix product and the thread setting go through here.
///
/// All matrices are row-major `Float` with tight leading dimensions (a row of an
/// `r x c` matrix is `c` elements long), which is how every buffer in ScoreKit is laid out.
public enum BLAS {
    /// C = alpha * op(A) * op(B) + beta * C, where op(A) is m x k, op(B) is k x n and C is m x n.
    ///
    /// - `transposeA: false` reads `a` as an m x k matrix, `true` as a k x m matrix used transposed;
    ///   likewise `transposeB` for `b` (k x n, or n x k transposed).
    /// - With `beta == 0` the old contents of `c` are ignored (NaN in them does not leak through),
    ///   as the reference BLAS specifies.
    /// - Zero-sized products are allowed; with `k == 0` the result is `beta * C`.
    /// - `leadingDimensionB` reads `b` as a block of a wider row-major matrix (the row stride
    ///   in elements); by default its rows are tight.
    package static func gemm(
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        _ a: UnsafePointer<Float>, transposeA: Bool,
        _ b: UnsafePointer<Float>, transposeB: Bool, leadingDimensionB: Int? = nil,
        beta: Float = 0,
        _ c: UnsafeMutablePointer<Float>
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative dimension m=\(m) n=\(n) k=\(k)")
        precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max),
                     "gemm: dimension exceeds the 32-bit BLAS interface")
        guard m > 0 && n > 0 else { return }
        let lda = transposeA ? m : k
        let ldb = leadingDimensionB ?? (transposeB ? k : n)
        precondition(ldb >= (transposeB ? k : n), "gemm: leading dimension \(ldb) of B below its row length")
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)),
            beta, c, Int32(n)
        )
    }

    /// The number of threads OpenBLAS uses for each product; process-wide.
    ///
    /// Setting a value below 1 is a programming error. Results are reproducible for a
    /// fixed thread count; a different count may change the last bits of sums.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            precondition(newValue >= 1, "BLAS.threadCount must be at least 1, got \(newValue)")
            openblas_set_num_threads(Int32(newValue))
        }
    }
}
