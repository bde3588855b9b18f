import Foundation

/// Blur as a linear operator on images: heat dissipation A_t = exp(-t L) for the grid
/// Laplacian L of an h x w image with reflecting (Neumann) boundaries (Rissanen et al., 2023).
///
/// L = L_h (x) I + I (x) L_w with L_n the path graph's Laplacian (2 on the diagonal, 1 at the
/// two ends, -1 beside it), so A_t = exp(-t L_h) (x) exp(-t L_w): it is applied separably,
/// down each column then along each row. The DCT-II basis diagonalises L_n:
///
///     v_k(i) = c_k cos(pi k (i + 1/2) / n),   lambda_k = 4 sin^2(pi k / (2 n)),   k = 0...n-1,
///
/// with c_0 = sqrt(1/n), c_k = sqrt(2/n). Consequences the tests check: A_t is symmetric, keeps
/// the image's mean (lambda_0 = 0 with a constant v_0), composes (A_s A_t = A_{s+t}) and solves
/// the discrete heat equation dx/dt = -L x. A blur of standard deviation s pixels is t = s^2 / 2.
public struct HeatDissipation: Sendable {
    public let shape: ImageShape
    /// Basis and eigenvalues per axis (row-major n x n, column k the k-th vector).
    let heightBasis: [Double], heightEigenvalues: [Double]
    let widthBasis: [Double], widthEigenvalues: [Double]

    public init(shape: ImageShape) {
        self.shape = shape
        (heightBasis, heightEigenvalues) = Self.cosineBasis(shape.height)
        (widthBasis, widthEigenvalues) = Self.cosineBasis(shape.width)
    }

    static func cosineBasis(_ n: Int) -> ([Double], [Double]) {
        var basis = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for k in 0..<n {
                let c = k == 0 ? (1 / Double(n)).squareRoot() : (2 / Double(n)).squareRoot()
                basis[i * n + k] = c * cos(Double.pi * Double(k) * (Double(i) + 0.5) / Double(n))
            }
        }
        let eigenvalues = (0..<n).map { k in 4 * pow(sin(Double.pi * Double(k) / (2 * Double(n))), 2) }
        return (basis, eigenvalues)
    }

    /// exp(-t L_n) for one axis, row-major n x n.
    static func axisOperator(basis: [Double], eigenvalues: [Double], t: Double) -> [Double] {
        let n = eigenvalues.count
        var out = [Double](repeating: 0, count: n * n)
        for k in 0..<n {
            let decay = exp(-t * eigenvalues[k])
            for i in 0..<n {
                let vi = basis[i * n + k] * decay
                for j in 0..<n { out[i * n + j] += vi * basis[j * n + k] }
            }
        }
        return out
    }

    /// The eigenvalues exp(-t (lambda_i + lambda_j)) of A_t, in the order of `matrix(at:)`'s
    /// basis (height index major): what sets the blurred density's conditioning.
    public func eigenvalues(at t: Double) -> [Double] {
        frequencyRates.map { exp(-t * $0) }
    }

    /// lambda_i + lambda_j, the rate at which the heat equation damps each cosine coefficient, in
    /// the order of `cosineOperators`' coefficients (height index major).
    public var frequencyRates: [Double] {
        heightEigenvalues.flatMap { a in widthEigenvalues.map { b in a + b } }
    }

    /// The axis operators that take `apply` into the cosine basis, U = V_h^T X V_w (coefficient
    /// (i, j) at i w + j), or back to pixels, X = V_h U V_w^T (`inverse`): V is orthogonal, so
    /// the one is the other's transpose.
    package func cosineOperators(inverse: Bool) -> (height: [Float], width: [Float]) {
        func transposed(_ basis: [Double], _ n: Int) -> [Float] { (0..<(n * n)).map { Float(basis[($0 % n) * n + $0 / n]) } }
        guard !inverse else { return (heightBasis.map(Float.init), widthBasis.map(Float.init)) }
        return (transposed(heightBasis, shape.height), transposed(widthBasis, shape.width))
    }

    /// A_t as a d x d row-major matrix in double precision (d = h w), pixel r * w + c.
    public func matrix(at t: Double) -> [Double] {
        precondition(t >= 0 && t.isFinite, "HeatDissipation: t must be finite and non-negative, got \(t)")
        let h = shape.height, w = shape.width, d = shape.pixels
        let ah = Self.axisOperator(basis: heightBasis, eigenvalues: heightEigenvalues, t: t)
        let aw = Self.axisOperator(basis: widthBasis, eigenvalues: widthEigenvalues, t: t)
        var out = [Double](repeating: 0, count: d * d)
        for r in 0..<h {
            for c in 0..<w {
                for r2 in 0..<h {
                    let a = ah[r * h + r2]
                    for c2 in 0..<w { out[(r * w + c) * d + r2 * w + c2] = a * aw[c * w + c2] }
                }
            }
        }
        return out
    }

    /// exp(-t L_h) and exp(-t L_w) in single precision: what `apply` multiplies by.
    package func axisOperators(at t: Double) -> (height: [Float], width: [Float]) {
        precondition(t >= 0 && t.isFinite, "HeatDissipation: t must be finite and non-negative, got \(t)")
        return (Self.axisOperator(basis: heightBasis, eigenvalues: heightEigenvalues, t: t).map(Float.init),
                Self.axisOperator(basis: widthBasis, eigenvalues: widthEigenvalues, t: t).map(Float.init))
    }

    /// A_t applied to every row of `images` ([N, h w]), through GEMM.
    public func apply(_ images: Matrix, at t: Double) -> Matrix {
        var out = Matrix(rows: images.rows, columns: shape.pixels), scratch = out
        apply(images, operators: axisOperators(at: t), into: &out, scratch: &scratch)
        return out
    }

    /// `out` <- A `images` for the axis operators of `axisOperators(at:)`. Allocates nothing.
    package func apply(_ images: Matrix, operators: (height: [Float], width: [Float]), into out: inout Matrix,
                       scratch: inout Matrix) {
        precondition(images.columns == shape.pixels && out.columns == shape.pixels && scratch.columns == shape.pixels
                     && out.rows >= images.rows && scratch.rows >= images.rows,
                     "HeatDissipation.apply: rows of \(images.columns) values are not \(shape) images, or the outputs are too small")
        images.elements.withUnsafeBufferPointer { x in
            scratch.elements.withUnsafeMutableBufferPointer { y in
                out.elements.withUnsafeMutableBufferPointer { z in
                    apply(count: images.rows, x.baseAddress!, operators: operators, into: z.baseAddress!, scratch: y.baseAddress!)
                }
            }
        }
    }

    /// A applied to `count` images at `x` into `out`: each image X becomes H X W^T for the
    /// operators (H, W), here exp(-t L_h) and exp(-t L_w) or the cosine basis: X W^T for all of
    /// them in one product (into `scratch`), then H times each (one small product per image).
    package func apply(count n: Int, _ x: UnsafePointer<Float>, operators: (height: [Float], width: [Float]),
                       into out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let h = shape.height, w = shape.width
        // [N h, w] x W^T.
        BLAS.gemm(m: n * h, n: w, k: w, x, transposeA: false, operators.width, transposeB: true, beta: 0, scratch)
        for image in 0..<n {
            BLAS.gemm(m: h, n: w, k: h, operators.height, transposeA: false, scratch + image * h * w, transposeB: false,
                      beta: 0, out + image * h * w)
        }
    }
}
