import ArgumentParser
import ScoreKit

extension Projection: ExpressibleByArgument {}
extension ObjectiveKind: ExpressibleByArgument {}

/// Which score-matching objective to train with, and its projections: each option given
/// replaces its field of a `RunConfiguration`.
public struct ObjectiveOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Training objective: dsm (the default), ssm, ssm-vr or exact.",
        discussion: """
            dsm: denoising score matching, one forward and backward pass of the batch per step. \
            ssm / ssm-vr: sliced score matching (Hutchinson trace estimate, without / with the exact norm term) \
            on Gaussian-perturbed data, 1 + M stacked passes per step for M = --projections. \
            exact: Hyvarinen score matching with the full Jacobian trace, 1 + d stacked passes per step.
            """))
    public var objective: ObjectiveKind?

    @Option(name: .long, help: "Random projections per row for ssm and ssm-vr (default: 1).")
    public var projections: Int?

    @Option(name: .long, help: "Distribution of the projections: rademacher (the default), gaussian or sphere.")
    public var projection: Projection?

    @Option(name: .customLong("min-snr"), help: ArgumentHelp(
        "dsm: weigh each level's noise-prediction loss by min(SNR, gamma) / SNR, SNR = alpha^2 / sigma^2 (Min-SNR; default: off, every level alike).",
        discussion: "Hang et al. 2023 use gamma = 5: levels cleaner than SNR = gamma count less, and training converges in fewer steps.",
        valueName: "gamma"))
    public var minSNR: Double?

    public init() {}

    public func validate() throws {
        if let projections { try Limits.check(projections, "--projections", in: 1...Limits.projections) }
    }

    /// `run` with the options given here.
    public func apply(to run: inout RunConfiguration) {
        if let objective { run.objective.kind = objective }
        if let projections { run.objective.projections = projections }
        if let projection { run.objective.projection = projection }
        if let minSNR { run.objective.weighting = .minSNR(gamma: minSNR) }
    }
}
