import ArgumentParser
import ScoreKit

extension Projection: ExpressibleByArgument {}

/// Which score-matching objective to train with, and its projections.
public struct ObjectiveOptions: ParsableArguments {
    public enum Name: String, ExpressibleByArgument, CaseIterable {
        case dsm, ssm, ssmVR = "ssm-vr", exact
    }

    @Option(name: .long, help: ArgumentHelp(
        "Training objective: dsm, ssm, ssm-vr or exact.",
        discussion: """
            dsm: denoising score matching, one forward and backward pass of the batch per step. \
            ssm / ssm-vr: sliced score matching (Hutchinson trace estimate, without / with the exact norm term) \
            on Gaussian-perturbed data, 1 + M stacked passes per step for M = --projections. \
            exact: Hyvarinen score matching with the full Jacobian trace, 1 + d stacked passes per step.
            """))
    public var objective: Name = .dsm

    @Option(name: .long, help: "Random projections per row for ssm and ssm-vr.")
    public var projections = 1

    @Option(name: .long, help: "Distribution of the projections: rademacher, gaussian or sphere.")
    public var projection: Projection = .rademacher

    public init() {}

    public func validate() throws {
        guard projections >= 1 else { throw ValidationError("--projections must be at least 1, got \(projections)") }
    }

    /// The objective for batches of `batch` rows in `dimension` dimensions over `sigmas`.
    public func make(sigmas: SigmaDistribution, dimension: Int, batch: Int) -> any ScoreObjective {
        let estimator: HyvarinenScoreMatching.Estimator
        switch objective {
        case .dsm: return DenoisingScoreMatching(sigmas: sigmas, dimension: dimension, capacity: batch)
        case .ssm: estimator = .sliced(projections: projections, projection)
        case .ssmVR: estimator = .slicedVarianceReduced(projections: projections, projection)
        case .exact: estimator = .exact
        }
        return HyvarinenScoreMatching(estimator: estimator, perturbation: .gaussian(sigmas), dimension: dimension, capacity: batch)
    }
}
