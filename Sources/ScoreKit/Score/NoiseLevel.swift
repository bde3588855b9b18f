/// One level of a Gaussian forward process: x_t = alpha x_0 + sigma eps with eps ~ N(0, I).
///
/// Variance exploding: alpha = 1, sigma grows (the NCSN ladder). Variance preserving (DDPM):
/// alpha = sqrt(abar_t), sigma = sqrt(1 - abar_t). `time` is the process's own clock (t in [0, 1]
/// for the continuous processes, k / T for step k of a discrete one), which time-conditioned
/// networks read; a bare noise level made with `init(sigma:)` has none (NaN), and only
/// sigma-conditioned networks and exact scores can be asked about it.
public struct NoiseLevel: Sendable, Equatable {
    public var time: Double
    public var alpha: Double
    public var sigma: Double

    public init(time: Double, alpha: Double, sigma: Double) {
        self.time = time
        self.alpha = alpha
        self.sigma = sigma
    }

    /// x + sigma z: a variance-exploding level outside any process.
    public init(sigma: Double) {
        self.init(time: .nan, alpha: 1, sigma: sigma)
    }
}
