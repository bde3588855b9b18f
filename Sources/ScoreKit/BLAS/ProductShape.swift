/// One SGEMM call's shape: C[m, n] = op(A)[m, k] op(B)[k, n], as a network issues it. The bench
/// times each alone for a workload's GEMM bound and its per-layer profile.
public struct ProductShape: Sendable, Hashable {
    public let m, n, k: Int
    public let transposeA, transposeB: Bool
    /// The layer kind that issues it ("linear", "conv3x3", "attention", ...), for the profile.
    public let layer: String

    public init(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, layer: String) {
        self.m = m
        self.n = n
        self.k = k
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.layer = layer
    }

    /// "NT" and the like: how A and B are read.
    public var label: String { (transposeA ? "T" : "N") + (transposeB ? "T" : "N") }

    /// 2 m n k.
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}
