import Foundation
import ScoreKit

extension ScoreTrainer {
    /// Takes `steps` training steps under a progress line ("`label`: step n/N  loss ..."); returns
    /// the last loss and the seconds per step. A diverged step stops the run with `label` in its reason.
    public func train(steps: Int, label: String) throws -> (loss: Double, secondsPerStep: Double) {
        let progress = ProgressLine("\(label): step", total: steps)
        let start = Stopwatch.now()
        var loss = 0.0
        for step in 1...steps {
            do {
                loss = try trainStep()
            } catch let diverged as TrainingDiverged {
                throw RunFailure("\(label): \(diverged)")
            }
            progress.update(step, detail: String(format: "loss %.4g", loss))
        }
        return (loss, (Stopwatch.now() - start) / Double(steps))
    }
}
