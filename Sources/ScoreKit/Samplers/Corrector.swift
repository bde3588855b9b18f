/// A move at one level of a `Schedule` toward that level's marginal, taken `steps` times before
/// each predictor step of a `PredictorCorrector` sampler (Song et al. 2021): Langevin dynamics
/// (`LangevinCorrector`) or any other Markov chain whose move has the form x <- A x + B s + C z.
public protocol Corrector: Sendable {
    /// A short name for reports.
    var name: String { get }
    /// Moves per level.
    var steps: Int { get }
    /// The move at `level`, given the chains' scores s(x, level) and the fresh noise z of this
    /// move; `next` is the level the predictor goes on to.
    func update(at level: NoiseLevel, next: NoiseLevel, score: Matrix, noise: Matrix) -> ChainUpdate
}
