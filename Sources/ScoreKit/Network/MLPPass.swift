/// `ScoreMLP`'s passes: its `MLPWorkspace`, with the batch's levels read as the MLP's
/// conditioning and output scale.
final class MLPPass: NetworkPass {
    let model: ScoreMLP
    let workspace: MLPWorkspace

    init(model: ScoreMLP, capacity: Int, tangentCount: Int) {
        self.model = model
        workspace = MLPWorkspace(configuration: model.configuration, capacity: capacity, tangentCount: tangentCount)
    }

    var capacity: Int { workspace.capacity }
    var tangentCount: Int { workspace.tangentCount }
    var gradients: FloatBuffer { workspace.gradients }

    func forward(_ batch: NetworkBatch) {
        run(batch, keepForBackward: true)
    }

    /// Without tangents the rows' shared level enters the first layer as a bias (`sharedConditioning`).
    func infer(_ batch: NetworkBatch) {
        run(batch, keepForBackward: false)
    }

    private func run(_ batch: NetworkBatch, keepForBackward: Bool) {
        precondition(batch.dimension == model.configuration.dimension && batch.tangentCount == tangentCount,
                     "MLPPass: a batch of dimension \(batch.dimension) with \(batch.tangentCount) tangents for \(model.configuration) with \(tangentCount)")
        let n = batch.rows, d = batch.dimension, m = tangentCount
        model.forward(x: batch.points.pointer, sigma: batch.sigma.pointer, outputScale: batch.outputScale.pointer,
                      time: batch.time.pointer, batch: n, workspace: workspace,
                      directions: m > 0 ? UnsafePointer(batch.directions.pointer) : nil,
                      keepForBackward: keepForBackward, sharedConditioning: !keepForBackward && m == 0)
        batch.score.pointer.update(from: workspace.score.pointer, count: n * d)
        batch.tangentScore.pointer.update(from: workspace.tangentScore.pointer, count: m * n * d)
    }

    func backward(_ batch: NetworkBatch) {
        model.backward(scoreGradient: batch.scoreGradient.pointer,
                       tangentScoreGradient: tangentCount > 0 ? UnsafePointer(batch.tangentScoreGradient.pointer) : nil,
                       workspace: workspace, inputGradient: batch.keepsPointsGradient)
        guard batch.keepsPointsGradient else { return }
        // The first layer reads [x, conditioning features]: dL/dx is the first d columns.
        let d = batch.dimension, width = model.configuration.inputWidth
        for r in 0..<batch.rows {
            (batch.pointsGradient.pointer + r * d).update(from: workspace.inputGradient.pointer + r * width, count: d)
        }
    }
}
