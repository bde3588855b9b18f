/// Trains any `ScoreNetwork` with any `ScoreObjective` and any `Optimiser` (Adam unless given) on a
/// fixed data set: each step draws a minibatch (uniformly, with replacement), evaluates the loss
/// and its gradients, checks them, and takes one optimiser step, then updates the EMA of the weights.
///
/// All buffers are allocated at construction; a step allocates nothing. Randomness comes from
/// one `RandomSource` in a fixed order (minibatch indices, then the objective's draws), so the
/// same seed reproduces a run bit for bit at any thread count.
///
/// Over a `GradientReducer` of N ranks the trainer is data-parallel: every rank makes the whole
/// batch's draws from the same generator, runs the network on its `shard(of:)` of the rows, and
/// one sum over the ranks turns the shards' gradients into the batch's (to rounding: only the
/// order of the additions differs from one process). Every rank then takes the same optimiser
/// step, so the ranks' weights stay identical; rank 0's are broadcast at the start.
public final class ScoreTrainer<Network: ScoreNetwork> {
    public let model: Network
    public let optimiser: any Optimiser
    public let ema: ExponentialMovingAverage?
    public let objective: any ScoreObjective
    public let data: Matrix
    public let batchSize: Int
    /// The processes that share each step's batch (`OneProcess()`: this one alone).
    public let group: any GradientReducer
    /// This rank's rows of every batch.
    let shard: Range<Int>
    public private(set) var step = 0
    /// A step whose |loss| exceeds this many times the first step's stops training as diverged
    /// (nil: only NaN and infinity do). Losses fall from the untrained model's as it trains, so
    /// 10^4 times that is an explosion, not noise; a bad learning rate explodes within steps.
    public var divergenceFactor: Double? = 1e4
    /// |loss| of the first step: the untrained model's loss scale.
    public private(set) var lossScale = 0.0
    /// The objective on the model, sized for this rank's rows.
    let evaluator: ObjectiveEvaluator<Network>
    /// The minibatch, refilled in place each step.
    var batch: Matrix
    var rng: RandomSource

    /// Trains with `objective`, `batchSize` rows per step.
    /// - Parameters:
    ///   - model: the network, trained in place.
    ///   - data: the training set, [N, d]; each step draws its rows uniformly with replacement.
    ///   - objective: the loss and its gradients.
    ///   - batchSize: rows per step (over all ranks of `group`).
    ///   - optimiser: the update rule; nil for Adam with `learningRate` and PyTorch's other defaults.
    ///   - learningRate: Adam's step size when `optimiser` is nil.
    ///   - emaDecay: decay of the weight average, or nil to keep none.
    ///   - rng: the run's generator: the minibatches and the objective's draws.
    ///   - group: the ranks that split each batch; `batchSize` must be at least its size.
    public init(model: Network, data: Matrix, objective: any ScoreObjective, batchSize: Int,
                optimiser: (any Optimiser)? = nil, learningRate: Float = 1e-3, emaDecay: Float? = 0.999,
                rng: RandomSource, group: any GradientReducer = OneProcess()) {
        precondition(data.columns == model.dimension, "ScoreTrainer: data has \(data.columns) columns, the model \(model.dimension)")
        precondition(data.rows >= 1, "ScoreTrainer: no data")
        precondition(batchSize >= group.size, "ScoreTrainer: batch size \(batchSize) is less than the \(group.size) ranks")
        precondition(batchSize >= 1, "ScoreTrainer: batch size must be at least 1, got \(batchSize)")
        group.broadcast(model.parameters, from: 0)
        self.group = group
        shard = group.shard(of: batchSize)
        self.model = model
        self.data = data
        self.batchSize = batchSize
        self.rng = rng
        self.optimiser = optimiser ?? Adam(parameterCount: model.parameters.count, learningRate: learningRate)
        ema = emaDecay.map { ExponentialMovingAverage(of: model.parameters, decay: $0) }
        self.objective = objective
        objective.reserve(rows: batchSize)
        evaluator = ObjectiveEvaluator(network: model, objective: objective, rows: shard.count)
        batch = Matrix(rows: batchSize, columns: data.columns)
    }

    /// Trains by denoising score matching with `sigmas`, `batchSize` rows per step.
    public convenience init(model: Network, data: Matrix, sigmas: SigmaDistribution, batchSize: Int,
                            learningRate: Float = 1e-3, emaDecay: Float? = 0.999, rng: RandomSource) {
        self.init(model: model, data: data, objective: DenoisingScoreMatching(sigmas: sigmas, dimension: data.columns),
                  batchSize: batchSize, learningRate: learningRate, emaDecay: emaDecay, rng: rng)
    }

    /// One training step; returns its loss. Throws `TrainingDiverged`, leaving the parameters
    /// untouched, when the loss or a gradient is not finite or the loss exploded (`divergenceFactor`).
    @discardableResult
    public func trainStep() throws -> Double {
        let d = data.columns, rows = UInt64(data.rows)
        data.elements.withUnsafeBufferPointer { source in
            batch.elements.withUnsafeMutableBufferPointer { target in
                for i in 0..<batchSize {
                    let r = Int(rng.next(upperBound: rows))
                    (target.baseAddress! + i * d).update(from: source.baseAddress! + r * d, count: d)
                }
            }
        }
        let share = evaluator.lossAndGradients(batch, rows: shard, rng: &rng)
        let loss = group.sum(share)
        group.sum(evaluator.gradients)
        guard loss.isFinite, evaluator.gradients.isFinite else {
            throw TrainingDiverged(step: step + 1, loss: loss)
        }
        if step == 0 {
            lossScale = abs(loss)
        } else if let factor = divergenceFactor, lossScale > 0, abs(loss) > factor * lossScale {
            throw TrainingDiverged(step: step + 1, loss: loss, explosion: (lossScale, factor))
        }
        optimiser.update(parameters: model.parameters, gradients: evaluator.gradients)
        ema?.update(from: model.parameters)
        step += 1
        return loss
    }

    /// Whether every rank of the group holds the same weights (always, unless the sums reached
    /// the ranks with different bits); a collective call, so every rank must make it.
    public var ranksAgree: Bool {
        guard group.size > 1 else { return true }
        return group.agree(on: Matrix(rows: 1, columns: model.parameters.count, elements: model.parameters.array).checksum)
    }

    /// What continuing this run needs beyond the weights and their average.
    public var state: TrainingState {
        TrainingState(step: step, random: rng.state, lossScale: lossScale, optimiser: optimiser.state)
    }

    /// Continues a saved run: the trainer's model must hold the run's weights; `ema` are the
    /// run's averaged weights (required when this trainer keeps an average). Throws
    /// `TrainingState.Mismatch` or `OptimiserState.Mismatch`, changing nothing, when the state
    /// does not fit this trainer.
    public func restore(_ saved: TrainingState, ema averaged: [Float]?) throws {
        guard let random = RandomSource(state: saved.random) else { throw TrainingState.Mismatch(description: "the random state is not four words, not all zero") }
        if let ema, averaged?.count != ema.shadow.count {
            throw TrainingState.Mismatch(description: "the run kept a weight average and the saved state has none of the right size")
        }
        // Every check is done before this: the optimiser's own refuses without changing it.
        try optimiser.restore(saved.optimiser)
        if let ema, let averaged { for i in averaged.indices { ema.shadow[i] = averaged[i] } }
        rng = random
        step = saved.step
        lossScale = saved.lossScale
    }

    /// The weights to sample with: the EMA when kept, else the current ones (a copy either way).
    public var samplingModel: Network {
        model.withParameters(ema?.shadow.array ?? model.parameters.array)
    }
}
