/// A forward process defined at every t in [0, 1], with the SDE
///
///     dx = f(t) x dt + g(t) dW
///
/// whose marginals are its levels (every process here has a drift linear in x). The reverse SDE,
/// the probability-flow ODE and the likelihood integrate it.
public protocol ContinuousProcess: ForwardProcess {
    /// f(t) and g(t).
    func sde(at t: Double) -> (drift: Double, diffusion: Double)
}

extension ContinuousProcess {
    public var continuous: (any ContinuousProcess)? { self }
}
