/// An estimate of the clean image from its corrupted version at one level of a `BlurLadder`,
/// R(x_k, k) ~ E[x_0 | x_k]: what the blur samplers step with in place of a score.
public protocol Restoration {
    var dimension: Int { get }
    /// R(x, k) for every row of `x` into `out` (same shape).
    func restore(_ x: Matrix, level k: Int, into out: inout Matrix)
}

/// A network trained by `BlurRestoration`, read as R(x, k): its raw output (sigma = 1) at time k / K.
public struct NetworkRestoration: Restoration {
    public let network: NetworkScore
    public let ladder: BlurLadder

    public init(model: any ScoreNetwork, ladder: BlurLadder) {
        precondition(model.dimension == ladder.shape.pixels && model.configuration.parameterisation == .score,
                     "NetworkRestoration: \(model.configuration) does not restore \(ladder.shape) images")
        network = NetworkScore(model: model)
        self.ladder = ladder
    }

    public var dimension: Int { network.dimension }

    public func restore(_ x: Matrix, level k: Int, into out: inout Matrix) {
        network.score(x, at: NoiseLevel(time: Double(ladder.time(level: k)), alpha: 1, sigma: 1), into: &out)
    }
}
