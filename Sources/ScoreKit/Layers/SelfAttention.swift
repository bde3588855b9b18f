import Foundation

/// Single-head self-attention over the positions of each image, with its normalisation and
/// residual: the attention block of DDPM's U-Net.
///
/// h = GroupNorm(x); Q, K, V = h W_q^T + b_q, ... (1x1 convolutions, [P, C] per image);
/// A = softmax(Q K^T / sqrt(C)) row by row; y = x + (A V) W_o^T + b_o. Every product is one GEMM
/// per image (or per batch, for the 1x1 convolutions); the softmax subtracts each row's maximum.
/// The parameters lie in order: the norm's gamma and beta, then q, k, v and the output projection,
/// each a `Linear` (W [C, C], then b).
public struct SelfAttention: Sendable, Equatable {
    public let channels: Int
    /// Positions per image (height * width).
    public let positions: Int
    public let norm: GroupNormalization
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let projection: Linear

    public init(channels: Int, positions: Int, groups: Int, offset: Int) {
        precondition(positions >= 1, "SelfAttention: \(positions) positions")
        self.channels = channels
        self.positions = positions
        norm = GroupNormalization(channels: channels, groups: groups, activation: false, offset: offset)
        let size = channels * (channels + 1), first = offset + norm.parameterCount
        query = Linear(inputs: channels, outputs: channels, offset: first)
        key = Linear(inputs: channels, outputs: channels, offset: first + size)
        value = Linear(inputs: channels, outputs: channels, offset: first + 2 * size)
        projection = Linear(inputs: channels, outputs: channels, offset: first + 3 * size)
    }

    public var parameterCount: Int { norm.parameterCount + 4 * query.parameterCount }

    /// What a pass keeps for up to `capacity` images: the normalised map and its statistics, Q, K,
    /// V, the attention weights and A V, and the gradients the backward pass routes through them.
    public final class Workspace {
        let normalized, inverseDeviation, h, q, k, v, weights, attended: FloatBuffer
        let dh, dq, dk, dv, dAttended, dScores: FloatBuffer
        /// The norm's per-image sums of dL/dgamma and dL/dbeta.
        let normSums: FloatBuffer

        public init(_ layer: SelfAttention, capacity: Int) {
            let map = capacity * layer.positions * layer.channels
            func buffer(_ count: Int) -> FloatBuffer { FloatBuffer(count: count) }
            normalized = buffer(map); inverseDeviation = buffer(capacity * layer.norm.groups)
            h = buffer(map); q = buffer(map); k = buffer(map); v = buffer(map); attended = buffer(map)
            weights = buffer(capacity * layer.positions * layer.positions)
            dh = buffer(map); dq = buffer(map); dk = buffer(map); dv = buffer(map); dAttended = buffer(map)
            dScores = buffer(capacity * layer.positions * layer.positions)
            normSums = buffer(layer.norm.imageSumsCount(images: capacity))
        }
    }

    private var scale: Float { 1 / Float(channels).squareRoot() }

    /// Images per part of the per-image loops.
    private var imageGrain: Int { Parallel.elementGrain / (positions * channels) }

    /// y = x + attention(x) for `images` images ([images * P, C] each).
    package func forward(images: Int, input x: UnsafePointer<Float>, parameters p: UnsafePointer<Float>,
                         output y: UnsafeMutablePointer<Float>, workspace ws: Workspace) {
        let rows = images * positions, n = positions, c = channels
        norm.forward(images: images, positions: n, input: x, parameters: p, output: ws.h.pointer,
                     normalized: ws.normalized.pointer, inverseDeviation: ws.inverseDeviation.pointer)
        for (layer, out) in [(query, ws.q), (key, ws.k), (value, ws.v)] {
            layer.multiply(batch: rows, input: ws.h.pointer, parameters: p, output: out.pointer)
            Kernels.addBias(rows: rows, columns: c, out.pointer, bias: p + layer.biasOffset)
        }
        // Each image's small products on one thread, images in parallel.
        Parallel.forEachRange(images, grain: imageGrain) { range in
            for b in range {
                let at = b * n * c, a = ws.weights.pointer + b * n * n
                BLAS.gemm(m: n, n: n, k: c, alpha: scale, ws.q.pointer + at, transposeA: false, ws.k.pointer + at, transposeB: true,
                          beta: 0, a)
                for i in 0..<n { softmax(a + i * n, count: n) }
                BLAS.gemm(m: n, n: c, k: n, a, transposeA: false, ws.v.pointer + at, transposeB: false, beta: 0, ws.attended.pointer + at)
            }
        }
        projection.multiply(batch: rows, input: ws.attended.pointer, parameters: p, output: y)
        Kernels.addBias(rows: rows, columns: c, y, bias: p + projection.biasOffset)
        Kernels.combine(count: rows * c, y, 1, x, 1, x, 0)
    }

    /// Given dL/dy, writes this block's parameter gradients and adds dL/dx to `inputGradient`:
    /// through the residual, and through the softmax as dS = A * (dA - rowsum(dA * A)).
    package func backward(images: Int, outputGradient dy: UnsafePointer<Float>, parameters p: UnsafePointer<Float>,
                          gradients: UnsafeMutablePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>,
                          workspace ws: Workspace) {
        let rows = images * positions, n = positions, c = channels
        Kernels.combine(count: rows * c, dx, 1, dy, 1, dy, 0)
        projection.backward(batch: rows, biasRows: rows, input: ws.attended.pointer, outputGradient: dy, parameters: p,
                            gradients: gradients, inputGradient: ws.dAttended.pointer, accumulate: false)
        Parallel.forEachRange(images, grain: imageGrain) { range in
            for b in range {
                let at = b * n * c, a = ws.weights.pointer + b * n * n, dO = ws.dAttended.pointer + at
                let dS = ws.dScores.pointer + b * n * n
                BLAS.gemm(m: n, n: n, k: c, dO, transposeA: false, ws.v.pointer + at, transposeB: true, beta: 0, dS)
                BLAS.gemm(m: n, n: c, k: n, a, transposeA: true, dO, transposeB: false, beta: 0, ws.dv.pointer + at)
                for i in 0..<n {
                    let row = a + i * n, dRow = dS + i * n
                    var dot: Float = 0
                    for j in 0..<n { dot += row[j] * dRow[j] }
                    for j in 0..<n { dRow[j] = row[j] * (dRow[j] - dot) }
                }
                BLAS.gemm(m: n, n: c, k: n, alpha: scale, dS, transposeA: false, ws.k.pointer + at, transposeB: false,
                          beta: 0, ws.dq.pointer + at)
                BLAS.gemm(m: n, n: c, k: n, alpha: scale, dS, transposeA: true, ws.q.pointer + at, transposeB: false,
                          beta: 0, ws.dk.pointer + at)
            }
        }
        // Three calls, not a loop over an array of the layers, which would allocate every step.
        func back(_ layer: Linear, _ gradient: FloatBuffer, adding: Bool) {
            layer.backward(batch: rows, biasRows: rows, input: ws.h.pointer, outputGradient: gradient.pointer, parameters: p,
                           gradients: gradients, inputGradient: ws.dh.pointer, accumulate: false, addsInputGradient: adding)
        }
        back(query, ws.dq, adding: false)
        back(key, ws.dk, adding: true)
        back(value, ws.dv, adding: true)
        norm.backward(images: images, positions: n, outputGradient: ws.dh.pointer, normalized: ws.normalized.pointer,
                      inverseDeviation: ws.inverseDeviation.pointer, parameters: p, gradients: gradients, inputGradient: dx,
                      imageSums: ws.normSums.pointer)
    }

    /// The products of `forward` (and with `training`, of `backward`) for `images` images.
    public func products(images: Int, training: Bool) -> [ProductShape] {
        let rows = images * positions, n = positions, c = channels
        func shape(_ m: Int, _ n: Int, _ k: Int, _ a: Bool, _ b: Bool) -> ProductShape {
            ProductShape(m: m, n: n, k: k, transposeA: a, transposeB: b, layer: "attention")
        }
        var out = Array(repeating: shape(rows, c, c, false, true), count: 4)
        for _ in 0..<images { out += [shape(n, n, c, false, true), shape(n, c, n, false, false)] }
        guard training else { return out }
        out += Array(repeating: [shape(c, c, rows, true, false), shape(rows, c, c, false, false)], count: 4).flatMap { $0 }
        for _ in 0..<images {
            out += [shape(n, n, c, false, true), shape(n, c, n, true, false), shape(n, c, n, false, false), shape(n, c, n, true, false)]
        }
        return out
    }

    /// The norm as PyTorch's, q, k and v as `nn.Conv2d`'s 1x1 default, and the output projection
    /// zero, so that a new block passes its input through unchanged (as DDPM's and score_sde's do).
    func initialize(_ parameters: UnsafeMutablePointer<Float>, rng: inout RandomSource) {
        norm.initialize(parameters)
        for layer in [query, key, value] { layer.initialize(parameters, rng: &rng) }
        (parameters + projection.offset).update(repeating: 0, count: projection.parameterCount)
    }

    /// row <- softmax(row), after subtracting its maximum.
    private func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var top = row[0]
        for j in 1..<count { top = max(top, row[j]) }
        var sum: Float = 0
        for j in 0..<count { row[j] = expf(row[j] - top); sum += row[j] }
        let inverse = 1 / sum
        for j in 0..<count { row[j] *= inverse }
    }
}
