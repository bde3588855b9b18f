/// Trains a `ScoreMLP` by denoising score matching on a fixed data set: each step draws a
/// minibatch (uniformly, with replacement), evaluates the DSM loss and its gradients, checks
/// them, and takes one Adam step, then updates the EMA of the weights.
///
/// All buffers are allocated at construction; a step allocates nothing. Randomness comes from
/// one `RandomSource` in a fixed order (minibatch indices, then sigmas, then noise), so the same
/// seed and BLAS thread count reproduce a run bit for bit.
public final class DSMTrainer {
    public let model: ScoreMLP
    public let optimiser: Adam
    public let ema: ExponentialMovingAverage?
    public let objective: DenoisingScoreMatching
    public let data: Matrix
    public let batchSize: Int
    public private(set) var step = 0
    let workspace: MLPWorkspace
    let batch: FloatBuffer
    var rng: RandomSource

    /// - Parameters:
    ///   - emaDecay: decay of the weight average, or nil to keep none.
    public init(model: ScoreMLP, data: Matrix, sigmas: SigmaDistribution, batchSize: Int,
                learningRate: Float = 1e-3, emaDecay: Float? = 0.999, rng: RandomSource) {
        precondition(data.columns == model.configuration.dimension,
                     "DSMTrainer: data has \(data.columns) columns, the model \(model.configuration.dimension)")
        precondition(data.rows >= 1 && batchSize >= 1, "DSMTrainer: need data and a positive batch size")
        self.model = model
        self.data = data
        self.batchSize = batchSize
        self.rng = rng
        optimiser = Adam(parameterCount: model.configuration.parameterCount, learningRate: learningRate)
        ema = emaDecay.map { ExponentialMovingAverage(of: model.parameters, decay: $0) }
        objective = DenoisingScoreMatching(sigmas: sigmas, dimension: data.columns, capacity: batchSize)
        workspace = MLPWorkspace(configuration: model.configuration, capacity: batchSize)
        batch = FloatBuffer(count: batchSize * data.columns)
    }

    /// One training step; returns its loss. Throws `TrainingDiverged`, leaving the parameters
    /// untouched, when the loss or a gradient is not finite.
    @discardableResult
    public func trainStep() throws -> Double {
        let d = data.columns, rows = UInt64(data.rows)
        data.elements.withUnsafeBufferPointer { source in
            for i in 0..<batchSize {
                let r = Int(rng.next(upperBound: rows))
                (batch.pointer + i * d).update(from: source.baseAddress! + r * d, count: d)
            }
        }
        let loss = objective.lossAndGradients(model: model, x: batch.pointer, batch: batchSize,
                                              workspace: workspace, rng: &rng)
        guard loss.isFinite, workspace.gradients.isFinite else {
            throw TrainingDiverged(step: step + 1, loss: loss)
        }
        optimiser.update(parameters: model.parameters, gradients: workspace.gradients)
        ema?.update(from: model.parameters)
        step += 1
        return loss
    }

    /// The weights to sample with: the EMA when kept, else the current ones (a copy either way).
    public var samplingModel: ScoreMLP {
        guard let ema else { return model.copy() }
        return ScoreMLP(configuration: model.configuration, parameters: ema.shadow.array)
    }
}
