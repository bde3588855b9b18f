/// One objective on one network: a `NetworkBatch` and a `NetworkPass` sized for the rows this
/// process computes, and the step between them. `ScoreTrainer` takes one per run; tests and
/// articles use one to evaluate a loss and its gradient.
public final class ObjectiveEvaluator<Network: ScoreNetwork> {
    public let network: Network
    public let objective: any ScoreObjective
    public let batch: NetworkBatch
    let pass: any NetworkPass

    /// For batches of which this process computes at most `rows` rows.
    public init(network: Network, objective: any ScoreObjective, rows: Int) {
        self.network = network
        self.objective = objective
        batch = NetworkBatch(capacity: rows, dimension: network.dimension, tangentCount: objective.tangentCount)
        pass = network.makePass(capacity: rows, tangentCount: objective.tangentCount)
    }

    /// dL/dtheta of the last evaluation, in the network's parameter layout.
    public var gradients: FloatBuffer { pass.gradients }

    /// The share of `rows` (all of `clean` when nil) in the objective's loss on `clean`, with
    /// fresh draws from `rng`; its gradient lands in `gradients`.
    public func lossAndGradients(_ clean: Matrix, rows: Range<Int>? = nil, rng: inout RandomSource) -> Double {
        let rows = rows ?? 0..<clean.rows
        objective.prepare(clean, rows: rows, into: batch, rng: &rng)
        // The seed is the whole minibatch's, so each rank drops its rows' values as one process would.
        if network.configuration.dropout > 0 { batch.dropout = Dropout.Draw(seed: rng.next(), firstRow: rows.lowerBound) }
        pass.forward(batch)
        let loss = objective.loss(clean, rows: rows, batch: batch)
        pass.backward(batch)
        return loss
    }
}
