/// The objectives by name, as the tools offer them.
public enum ObjectiveKind: String, CaseIterable, Sendable, Codable {
    case dsm, ssm, ssmVR = "ssm-vr", exact

    /// The objective for rows of `dimension` coordinates, noise levels drawn from `sigmas` (the
    /// Hyvarinen estimators train on Gaussian-perturbed data at those levels).
    public func make(sigmas: SigmaDistribution, dimension: Int,
                     projections: Int = 1, projection: Projection = .rademacher) -> any ScoreObjective {
        let estimator: HyvarinenScoreMatching.Estimator
        switch self {
        case .dsm: return DenoisingScoreMatching(sigmas: sigmas, dimension: dimension)
        case .ssm: estimator = .sliced(projections: projections, projection)
        case .ssmVR: estimator = .slicedVarianceReduced(projections: projections, projection)
        case .exact: estimator = .exact
        }
        return HyvarinenScoreMatching(estimator: estimator, data: .gaussian(sigmas), dimension: dimension)
    }
}
