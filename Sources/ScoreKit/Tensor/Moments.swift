extension Matrix {
    /// The rows' mean and unbiased covariance (divided by N - 1; by 1 for a single row), in
    /// double precision, the covariance row-major columns x columns.
    public func meanAndCovariance() -> (mean: [Double], covariance: [Double]) {
        let n = columns
        var mean = [Double](repeating: 0, count: n)
        for i in 0..<rows { for j in 0..<n { mean[j] += Double(self[i, j]) } }
        for j in 0..<n { mean[j] /= Double(rows) }
        var covariance = [Double](repeating: 0, count: n * n)
        var centred = [Double](repeating: 0, count: n)
        for i in 0..<rows {
            for j in 0..<n { centred[j] = Double(self[i, j]) - mean[j] }
            for j in 0..<n {
                let cj = centred[j]
                for k in 0...j { covariance[j * n + k] += cj * centred[k] }
            }
        }
        let scale = 1 / Double(max(1, rows - 1))
        for j in 0..<n {
            for k in 0...j {
                covariance[j * n + k] *= scale
                covariance[k * n + j] = covariance[j * n + k]
            }
        }
        return (mean, covariance)
    }
}
