/// A training objective for a `ScoreMLP`: given a batch of clean data, draw whatever noise or
/// projections it needs, return the batch loss and leave dL/dtheta in `workspace.gradients`.
/// `DenoisingScoreMatching` and `HyvarinenScoreMatching` (exact, sliced, sliced-VR) conform.
public protocol ScoreObjective: AnyObject {
    /// A short name for reports ("dsm", "ssm", ...).
    var name: String { get }
    /// The most rows one call takes.
    var capacity: Int { get }
    /// Tangent directions per row the network must carry (0 for DSM).
    var tangentCount: Int { get }
    func lossAndGradients(model: ScoreMLP, x: UnsafePointer<Float>, batch: Int,
                          workspace: MLPWorkspace, rng: inout RandomSource) -> Double
}

extension ScoreObjective {
    /// A workspace sized for this objective and `configuration`.
    public func makeWorkspace(for configuration: MLPConfiguration) -> MLPWorkspace {
        MLPWorkspace(configuration: configuration, capacity: capacity, tangentCount: tangentCount)
    }
}
