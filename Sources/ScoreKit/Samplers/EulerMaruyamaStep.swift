/// The reverse-time SDE of a continuous process (Anderson 1982; Song et al. 2021),
/// dx = [f(t) x - g(t)^2 s(x, t)] dt + g(t) dW-bar, over one step h = t_from - t_to by
/// Euler-Maruyama: x <- (1 - f h) x + g^2 h s + g sqrt(h) z, with f and g at t_from.
public struct EulerMaruyamaStep: Predictor {
    public let process: any ContinuousProcess

    public init(process: any ContinuousProcess) {
        self.process = process
    }

    public var name: String { "euler-maruyama" }

    public func update(from: NoiseLevel, to: NoiseLevel) -> ChainUpdate {
        let h = from.time - to.time, (f, g) = process.sde(at: from.time)
        return ChainUpdate(x: 1 - f * h, score: g * g * h, noise: g * h.squareRoot())
    }
}
