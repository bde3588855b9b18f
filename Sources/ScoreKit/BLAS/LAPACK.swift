import CLAPACKE

/// The only door to LAPACK (through LAPACKE): the Cholesky factor and the symmetric
/// eigendecomposition, in double precision, on row-major n x n arrays. OpenBLAS runs them
/// single-threaded (`BLAS`), so their bits do not depend on the thread count either.
public enum LAPACK {
    /// The lower Cholesky factor L of a symmetric positive definite A (A = L L^T), read from
    /// A's lower triangle (`dpotrf`); the strict upper triangle of the result is zero.
    /// Nil when A is not positive definite to working precision, or holds a NaN.
    public static func cholesky(_ a: [Double], size n: Int) -> [Double]? {
        precondition(n >= 1 && a.count == n * n, "LAPACK.cholesky: \(a.count) values for a \(n) x \(n) matrix")
        BLAS.prepare()
        guard a.allSatisfy(\.isFinite) else { return nil }
        var factor = a
        let info = factor.withUnsafeMutableBufferPointer {
            LAPACKE_dpotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), $0.baseAddress, Int32(n))
        }
        guard info == 0 else { return nil }
        for i in 0..<n { for j in (i + 1)..<n { factor[i * n + j] = 0 } }
        return factor
    }

    /// Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric A, read from its lower
    /// triangle (`dsyevd`, divide and conquer): `vectors[i * n + k]` is component i of the k-th
    /// eigenvector, so A = V diag(values) V^T. Nil when A holds a NaN or infinity or the
    /// iteration fails to converge.
    public static func symmetricEigen(_ a: [Double], size n: Int) -> (values: [Double], vectors: [Double])? {
        precondition(n >= 1 && a.count == n * n, "LAPACK.symmetricEigen: \(a.count) values for a \(n) x \(n) matrix")
        BLAS.prepare()
        guard a.allSatisfy(\.isFinite) else { return nil }
        var vectors = a, values = [Double](repeating: 0, count: n)
        let info = vectors.withUnsafeMutableBufferPointer { v in
            values.withUnsafeMutableBufferPointer { w in
                LAPACKE_dsyevd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "L")), Int32(n),
                               v.baseAddress, Int32(n), w.baseAddress)
            }
        }
        guard info == 0 else { return nil }
        return (values, vectors)
    }
}
