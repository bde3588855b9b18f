import COpenBLAS
import Foundation
import Synchronization

/// The only door to OpenBLAS: every matrix product and the thread setting go through here.
///
/// All matrices are row-major `Float` with tight leading dimensions (a row of an
/// `r x c` matrix is `c` elements long), which is how every buffer in ScoreKit is laid out.
///
/// Threads: OpenBLAS itself runs single-threaded. Each product is cut into tiles fixed by its
/// shape (`GemmTiling`) and `threadCount` threads share the tiles, so a product's bytes do not
/// depend on the thread count on any kernel type. A program that also calls OpenBLAS directly
/// finds it set to one thread once ScoreKit has run a product.
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
        let ldb = leadingDimensionB ?? (transposeB ? k : n)
        precondition(ldb >= (transposeB ? k : n), "gemm: leading dimension \(ldb) of B below its row length")
        let product = TiledProduct(m: m, n: n, k: k, alpha: alpha, a: a, lda: transposeA ? m : k, transposeA: transposeA,
                                   b: b, ldb: ldb, transposeB: transposeB, beta: beta, c: c, tiling: GemmTiling(m: m, n: n, k: k))
        TileWorkers.shared.run(product, threads: setUp.threads.load(ordering: .relaxed))
    }

    /// One call's operands, shared by the threads that compute its tiles; each tile writes its own
    /// part of C only.
    struct TiledProduct: TiledWork, @unchecked Sendable {
        let m, n, k: Int
        let alpha: Float
        let a: UnsafePointer<Float>, lda: Int, transposeA: Bool
        let b: UnsafePointer<Float>, ldb: Int, transposeB: Bool
        let beta: Float
        let c: UnsafeMutablePointer<Float>
        let tiling: GemmTiling

        var tileCount: Int { tiling.count }

        /// Tile `index`: a block of C's rows and columns, from the same rows of op(A) and columns of
        /// op(B), by one single-threaded OpenBLAS call; C's row stride stays n.
        func compute(_ index: Int) {
            let band = tiling.band(index)
            let (rows, columns) = tiling.byRows ? (band, 0..<n) : (0..<m, band)
            let tileA = a + (transposeA ? rows.lowerBound : rows.lowerBound * k)
            let tileB = b + (transposeB ? columns.lowerBound * ldb : columns.lowerBound)
            cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(rows.count), Int32(columns.count), Int32(k), alpha, tileA, Int32(max(lda, 1)), tileB, Int32(max(ldb, 1)),
                        beta, c + rows.lowerBound * n + columns.lowerBound, Int32(n))
        }
    }

    /// The number of threads that share each product's tiles; process-wide. By default what
    /// OpenBLAS would have used (the cores, or `OPENBLAS_NUM_THREADS`).
    ///
    /// Setting a value below 1 is a programming error. Results do not depend on the count.
    public static var threadCount: Int {
        get { setUp.threads.load(ordering: .relaxed) }
        set {
            precondition(newValue >= 1, "BLAS.threadCount must be at least 1, got \(newValue)")
            setUp.threads.store(newValue, ordering: .relaxed)
        }
    }

    /// The kernels OpenBLAS runs, why, and what this CPU could run.
    public static var kernels: OpenBLASKernels { .current }

    /// Done once, before ScoreKit's first call into OpenBLAS (products and LAPACK alike): takes
    /// OpenBLAS's default thread count as ScoreKit's, sets OpenBLAS itself to one thread, and says
    /// once on standard error when OpenBLAS runs kernels well below the CPU.
    final class SetUp: Sendable {
        let threads: Atomic<Int>

        init() {
            threads = Atomic(Int(openblas_get_num_threads()))
            openblas_set_num_threads(1)
            if let warning = OpenBLASKernels.current.fallbackWarning {
                FileHandle.standardError.write(Data((warning + "\n").utf8))
            }
        }
    }

    static let setUp = SetUp()

    /// Runs the one-time set-up (LAPACK calls this before its routines).
    static func prepare() { _ = setUp }
}
