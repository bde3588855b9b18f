/// A `ScoreTrainer` whatever its network's type: what a tool that trains a network chosen at run
/// time (train-dsm's --network) drives and saves.
public protocol ScoreTraining: AnyObject {
    var step: Int { get }
    var divergenceFactor: Double? { get set }
    var group: any GradientReducer { get }
    /// The weights being trained.
    var parameters: FloatBuffer { get }
    /// Their running average, when kept.
    var averagedParameters: FloatBuffer? { get }
    var state: TrainingState { get }
    var ranksAgree: Bool { get }
    func trainStep() throws -> Double
    func restore(_ saved: TrainingState, ema averaged: [Float]?) throws
    /// The network to sample with: the averaged weights when kept, else the current ones.
    var samplingNetwork: any ScoreNetwork { get }
}

extension ScoreTrainer: ScoreTraining {
    public var parameters: FloatBuffer { model.parameters }
    public var averagedParameters: FloatBuffer? { ema?.shadow }
    public var samplingNetwork: any ScoreNetwork { samplingModel }
}
