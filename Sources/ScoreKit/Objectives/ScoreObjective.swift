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
    /// The loss on the rows of `batch` (clean data, [B, d]) with fresh randomness from `rng`, and
    /// its gradient with respect to every parameter, written to `workspace.gradients`. Returns the
    /// loss in Double (NaN or infinite if the network blew up; the caller checks). A batch larger
    /// than reserved grows the scratch first.
    func lossAndGradients(model: ScoreMLP, batch: Matrix, workspace: MLPWorkspace, rng: inout RandomSource) -> Double
}

extension ScoreObjective {
    /// A workspace for batches of up to `rows` rows of `configuration`'s network, with this
    /// objective's tangents.
    public func makeWorkspace(for configuration: MLPConfiguration, rows: Int) -> MLPWorkspace {
        MLPWorkspace(configuration: configuration, capacity: rows, tangentCount: tangentCount)
    }
}
