/// Any `ScoreNetwork` read as a score function: answers `ScoreFunction` and `ScoreJacobian`
/// queries of any size through the network's `NetworkPass.infer`, in chunks of at most `chunk`
/// rows (no allocation per query; a pass with tangents is made on the first Jacobian query, a
/// pass for reverse mode on the first vector-Jacobian query).
///
/// Chunks keep each layer's activations in cache between one product and the next (README,
/// "Speed", gives the measured effect on the sampler's rate), and bound the memory a query of
/// any size takes: by default 512 rows, fewer when a row's activations are large
/// (`standardChunk(for:)`).
///
/// A network trained with `OutputScaling.corruption` must be read with the same output scale
/// (`outputScale`, the corruption's `outputScale`): its output is divided by tau(sigma), not by sigma.
public final class NetworkScore: ScoreJacobian {
    public let model: any ScoreNetwork
    public let outputScale: (@Sendable (Double) -> Double)?
    let pass: any NetworkPass
    let batch: NetworkBatch
    /// Made on the first Jacobian query, for that query's number of directions per row.
    var tangentPass: (pass: any NetworkPass, batch: NetworkBatch)?
    /// Made on the first reverse-mode query: a pass that keeps its activations, a batch that keeps dL/dx.
    var reversePass: (pass: any NetworkPass, batch: NetworkBatch)?

    public init(model: any ScoreNetwork, chunk: Int? = nil, outputScale: (@Sendable (Double) -> Double)? = nil) {
        let chunk = chunk ?? Self.standardChunk(for: model)
        self.model = model
        self.outputScale = outputScale
        pass = model.makePass(capacity: chunk, tangentCount: 0)
        batch = NetworkBatch(capacity: chunk, dimension: model.dimension)
    }

    public var dimension: Int { model.dimension }

    /// The activations one chunk may keep: 1 GiB, within the training pass's size at batch 64
    /// for the default U-Net, and large enough that its products stay as fast as one batch.
    public static let chunkBytes = 1 << 30

    /// Rows per chunk: 512, or as many as keep their activations within `chunkBytes` (at least
    /// one). The MLPs keep 512; the default U-Net on 28 x 28 images keeps about 21 MB per image,
    /// so about 50 images: sampling 128 peaks at 0.91 GB resident, against 10.3 GB with 512.
    public static func standardChunk(for model: any ScoreNetwork) -> Int {
        let perRow = 4 * model.configuration.activationFloats(batch: 1, tangents: 0)
        return max(1, min(512, Int(Double(chunkBytes) / perRow)))
    }

    /// A time-conditioned network needs the level's time; a sigma-conditioned one reads sigma.
    public func score(_ x: Matrix, at level: NoiseLevel, into out: inout Matrix) {
        precondition(x.columns == dimension && out.rows == x.rows && out.columns == dimension,
                     "NetworkScore: \(x.rows) x \(x.columns) points into \(out.rows) x \(out.columns) for dimension \(dimension)")
        check(level)
        let d = dimension, count = x.rows
        fill(batch, level)
        x.elements.withUnsafeBufferPointer { xs in
            out.elements.withUnsafeMutableBufferPointer { os in
                var start = 0
                while start < count {
                    let n = min(batch.capacity, count - start)
                    batch.rows = n
                    batch.points.pointer.update(from: xs.baseAddress! + start * d, count: n * d)
                    pass.infer(batch)
                    (os.baseAddress! + start * d).update(from: batch.score.pointer, count: n * d)
                    start += n
                }
            }
        }
    }

    /// Forward mode through the network (J v by `infer` with tangents), chunk by chunk.
    public func jacobianProducts(_ x: Matrix, at level: NoiseLevel, directions: Matrix, scores: inout Matrix, products: inout Matrix) {
        let m = checkDirections(x, at: level, directions: directions, scores: scores, products: products)
        if tangentPass?.pass.tangentCount != m {
            tangentPass = (model.makePass(capacity: batch.capacity, tangentCount: m),
                           NetworkBatch(capacity: batch.capacity, dimension: dimension, tangentCount: m))
        }
        let (pass, chunk) = tangentPass!
        fill(chunk, level)
        forEachChunk(x, directions: directions, scores: &scores, products: &products, batch: chunk) { n, vs, ps in
            for k in 0..<m { (chunk.directions.pointer + k * n * self.dimension).update(from: vs(k), count: n * self.dimension) }
            pass.infer(chunk)
            for k in 0..<m { ps(k).update(from: chunk.tangentScore.pointer + k * n * self.dimension, count: n * self.dimension) }
        }
    }

    /// Reverse mode through the network: s and v_m^T (ds/dx) for every direction, one `forward`
    /// and M `backward` passes per chunk (with the parameters' gradients computed and unused).
    /// Any network answers it; the U-Net, which has no forward mode, answers traces this way.
    public func vectorJacobianProducts(_ x: Matrix, at level: NoiseLevel, directions: Matrix, scores: inout Matrix, products: inout Matrix) {
        let m = checkDirections(x, at: level, directions: directions, scores: scores, products: products)
        if reversePass == nil {
            reversePass = (model.makePass(capacity: batch.capacity, tangentCount: 0),
                           NetworkBatch(capacity: batch.capacity, dimension: dimension, pointsGradient: true))
        }
        let (pass, chunk) = reversePass!
        fill(chunk, level)
        forEachChunk(x, directions: directions, scores: &scores, products: &products, batch: chunk) { n, vs, ps in
            pass.forward(chunk)
            for k in 0..<m {
                chunk.scoreGradient.pointer.update(from: vs(k), count: n * self.dimension)
                pass.backward(chunk)
                ps(k).update(from: chunk.pointsGradient.pointer, count: n * self.dimension)
            }
        }
    }

    /// By forward mode when the network has it, else by reverse mode.
    public func jacobianTraces(_ x: Matrix, at level: NoiseLevel, directions: Matrix, scores: inout Matrix,
                               products: inout Matrix, traces: inout [Double]) {
        if model.configuration.supportsTangents {
            jacobianProducts(x, at: level, directions: directions, scores: &scores, products: &products)
        } else {
            vectorJacobianProducts(x, at: level, directions: directions, scores: &scores, products: &products)
        }
        sumTraces(directions: directions, products: products, into: &traces)
    }

    /// Checks a directional query's shapes and level; returns M, the directions per row.
    private func checkDirections(_ x: Matrix, at level: NoiseLevel, directions: Matrix, scores: Matrix, products: Matrix) -> Int {
        let d = dimension, count = x.rows, m = directions.rows / max(count, 1)
        precondition(x.columns == d && directions.columns == d && directions.rows == m * count && m >= 1
                     && scores.rows == count && products.rows == directions.rows,
                     "NetworkScore: directional query's shapes do not fit \(count) rows of dimension \(d)")
        check(level)
        return m
    }

    /// Runs `body` on each chunk of `batch.capacity` rows of `x` after copying them into `batch.points`,
    /// then copies `batch.score` out. `body` gets the chunk's rows, and for direction k the chunk's
    /// start in `directions` and in `products`.
    private func forEachChunk(_ x: Matrix, directions: Matrix, scores: inout Matrix, products: inout Matrix, batch chunk: NetworkBatch,
                              _ body: (Int, (Int) -> UnsafePointer<Float>, (Int) -> UnsafeMutablePointer<Float>) -> Void) {
        let d = dimension, count = x.rows
        x.elements.withUnsafeBufferPointer { xs in
            directions.elements.withUnsafeBufferPointer { vs in
                scores.elements.withUnsafeMutableBufferPointer { ss in
                    products.elements.withUnsafeMutableBufferPointer { ps in
                        var start = 0
                        while start < count {
                            let n = min(chunk.capacity, count - start)
                            chunk.rows = n
                            chunk.points.pointer.update(from: xs.baseAddress! + start * d, count: n * d)
                            body(n, { vs.baseAddress! + ($0 * count + start) * d }, { ps.baseAddress! + ($0 * count + start) * d })
                            (ss.baseAddress! + start * d).update(from: chunk.score.pointer, count: n * d)
                            start += n
                        }
                    }
                }
            }
        }
    }

    private func check(_ level: NoiseLevel) {
        precondition(level.sigma > 0 && level.sigma.isFinite, "NetworkScore: sigma must be positive and finite, got \(level.sigma)")
        precondition(level.time.isFinite || model.conditioning == .logSigma, "NetworkScore: a time-conditioned network needs the level's time")
    }

    /// Every row of a query shares its level: the per-row sigma, time and output scale the network
    /// reads (sigma itself as the scale unless `outputScale` says otherwise).
    private func fill(_ batch: NetworkBatch, _ level: NoiseLevel) {
        batch.sigma.fill(Float(level.sigma))
        batch.time.fill(Float(level.time.isFinite ? level.time : 0))
        batch.outputScale.fill(Float(outputScale?(level.sigma) ?? level.sigma))
    }
}

extension ScoreNetwork {
    /// s(x, level) for every row of `x`. A convenience for evaluation; training loops and
    /// samplers keep a `NetworkScore` (or a pass) of their own.
    public func score(_ x: Matrix, at level: NoiseLevel) -> Matrix {
        precondition(x.columns == dimension, "ScoreNetwork.score: points have \(x.columns) columns, the model expects \(dimension)")
        return NetworkScore(model: self, chunk: max(1, min(NetworkScore.standardChunk(for: self), x.rows))).scores(x, at: level)
    }

    /// s(x, sigma) at a bare variance-exploding level.
    public func score(_ x: Matrix, sigma: Float) -> Matrix { score(x, at: NoiseLevel(sigma: Double(sigma))) }
}
