/// A reverse step from one level of a `Schedule` to the next, x_to = A x + B s(x, from) + C z: the
/// predictor of a predictor-corrector sampler, and the whole step of DDPM, DDIM and the reverse
/// SDE. `DiffusionStep` (ancestral, DDIM) runs on any Gaussian process, `EulerMaruyamaStep` on a
/// continuous one.
public protocol Predictor: Sendable {
    /// A short name for reports.
    var name: String { get }
    /// The move from `from` to the less noisy `to`.
    func update(from: NoiseLevel, to: NoiseLevel) -> ChainUpdate
}
