/// What a noise-conditional network divides its output by: s = f([x, log sigma]) / tau, so that
/// f stays of order one at every level. Sliced score matching, whose loss is about ||s||^2, also
/// weights each row by tau^2; denoising score matching keeps sigma^2, the inverse of its
/// target's variance.
public enum OutputScaling: Sendable, Equatable, Codable {
    /// tau = sigma (NCSN, Song and Ermon): right for additive noise, whose score is about 1 / sigma.
    case noiseLevel
    /// tau = the corruption's `outputScale(at:)`: for a contraction, whose score grows as the
    /// level rises instead of shrinking. Sample and evaluate with `NetworkScore(model:outputScale:)`
    /// given the same `Corruption.outputScale`.
    case corruption

    /// tau for one row at level sigma of `corruption`.
    func outputScale(of corruption: any Corruption, at sigma: Float) -> Float {
        self == .corruption ? Float(corruption.outputScale(at: Double(sigma))) : sigma
    }
}
