/// Learning to undo a `BlurLadder`: a network R(x_k, k) regressed onto the clean image,
///
///     k ~ U{1...K},   x_k = A_(t_k) x_0 + eta z,   loss = mean_i 0.5 || R(x_k,i, k_i) - x_0,i ||^2
///
/// The network is any `ScoreNetwork` read with sigma = 1 (its raw output, conditioned on the time k / K).
///
/// - Deterministic blur (eta = 0) is Cold Diffusion's restoration (Bansal et al., 2022, with the
///   squared error in place of their L1): no conditional score exists, so this is all there is to learn.
/// - Blur plus noise (eta > 0): the minimiser is E[x_0 | x_k], and s = -(x_k - A_(t_k) R) / eta^2 is
///   then the marginal score, since A is invertible: this is DSM with the target -z / eta in the
///   x_0 parameterisation. Its weighting differs from DSM's eta^2 ||s - target||^2 =
///   ||A (R - x_0)||^2 / eta^2, which scales the frequency lambda by exp(-2 t lambda) and would
///   leave the frequencies blurred away (the ones the reverse process must restore) untrained.
///
/// Per call it draws, in order, one level per row, then the batch's noise (when eta > 0).
public final class BlurRestoration: ScoreObjective {
    public let ladder: BlurLadder
    /// Rows the scratch holds.
    public private(set) var capacity = 0
    var scratch = FloatBuffer(count: 0)
    var noise = FloatBuffer(count: 0)

    public init(ladder: BlurLadder) {
        self.ladder = ladder
    }

    public var name: String { "restoration-\(ladder.name)" }
    public var tangentCount: Int { 0 }

    public func reserve(rows: Int) {
        guard rows > capacity else { return }
        let d = ladder.shape.pixels
        capacity = rows
        scratch = FloatBuffer(count: rows * d)
        noise = FloatBuffer(count: rows * d)
    }

    public func prepare(_ clean: Matrix, rows: Range<Int>, into batch: NetworkBatch, rng: inout RandomSource) {
        let d = ladder.shape.pixels
        checkBatch(clean, rows: rows, dimension: d, into: batch)
        let count = clean.rows, first = rows.lowerBound, n = rows.count
        let xt = batch.points.pointer
        clean.elements.withUnsafeBufferPointer { x in
            for i in 0..<count {
                let k = 1 + Int(rng.next(upperBound: UInt64(ladder.levels)))
                // Every row's level is drawn, so the stream is the same for any shard; only the shard is blurred.
                guard rows.contains(i) else { continue }
                batch.time[i - first] = ladder.time(level: k)
                ladder.blur(count: 1, x.baseAddress! + i * d, level: k, into: xt + (i - first) * d, scratch: scratch.pointer)
            }
        }
        if ladder.noise > 0 {
            rng.fillNormal(noise.pointer, count: count * d)
            let eta = Float(ladder.noise), z = noise.pointer + first * d
            for i in 0..<(n * d) { xt[i] += eta * z[i] }
        }
        // Read with sigma = 1: the network's raw output, conditioned on the time k / K.
        batch.sigma.fill(1)
        batch.outputScale.fill(1)
    }

    public func loss(_ clean: Matrix, rows: Range<Int>, batch: NetworkBatch) -> Double {
        let d = ladder.shape.pixels, n = rows.count
        let restored = batch.score.pointer, grad = batch.scoreGradient.pointer, invBatch = 1 / Float(clean.rows)
        var total = 0.0
        clean.elements.withUnsafeBufferPointer { x in
            let shard = x.baseAddress! + rows.lowerBound * d
            for i in 0..<(n * d) {
                let r = restored[i] - shard[i]
                total += Double(r) * Double(r)
                grad[i] = r * invBatch
            }
        }
        return 0.5 * total / Double(clean.rows)
    }
}
