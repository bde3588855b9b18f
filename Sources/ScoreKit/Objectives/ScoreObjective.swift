/// A training objective for a `ScoreMLP`: given a batch of clean data, draw whatever noise or
/// projections it needs, return the batch loss and leave dL/dtheta in `workspace.gradients`.
/// `DenoisingScoreMatching`, `KernelDenoisingScoreMatching` and `HyvarinenScoreMatching`
/// (exact, sliced, sliced-VR) conform. The caller (`ScoreTrainer`) owns the batch size; an
/// objective sizes its scratch to the largest batch it is told of.
public protocol ScoreObjective: AnyObject {
    /// A short name for reports ("dsm", "ssm", ...).
    var name: String { get }
    /// Tangent directions per row the network must carry (0 for DSM).
    var tangentCount: Int { get }
    /// Makes room for batches of up to `rows` rows, so that later calls allocate nothing.
    func reserve(rows: Int)
    /// The share of `rows` in the loss on `batch` (clean data, [B, d]) with fresh randomness from
    /// `rng`, and its gradient with respect to every parameter, written to `workspace.gradients`.
    /// Returns it in Double (NaN or infinite if the network blew up; the caller checks). A batch
    /// larger than reserved grows the scratch first.
    ///
    /// The draws are made for all B rows whatever `rows` is, and both loss and gradient are
    /// normalised by B: so the shares of disjoint row ranges that cover the batch sum to the
    /// whole batch's loss and gradient (to rounding), which is what data-parallel training
    /// (`ScoreTrainer` over a `ProcessGroup`) relies on. The network runs on `rows` only.
    func lossAndGradients(model: ScoreMLP, batch: Matrix, rows: Range<Int>, workspace: MLPWorkspace,
                          rng: inout RandomSource) -> Double
}

extension ScoreObjective {
    /// The loss on all rows of `batch` and its gradient (see the ranged form).
    public func lossAndGradients(model: ScoreMLP, batch: Matrix, workspace: MLPWorkspace, rng: inout RandomSource) -> Double {
        lossAndGradients(model: model, batch: batch, rows: 0..<batch.rows, workspace: workspace, rng: &rng)
    }

    /// A workspace for batches of up to `rows` rows of `configuration`'s network, with this
    /// objective's tangents.
    public func makeWorkspace(for configuration: MLPConfiguration, rows: Int) -> MLPWorkspace {
        MLPWorkspace(configuration: configuration, capacity: rows, tangentCount: tangentCount)
    }
}
