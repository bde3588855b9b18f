import ArgumentParser
import ScoreKit

extension Projection: ExpressibleByArgument {}
extension ObjectiveKind: ExpressibleByArgument {}

/// Which score-matching objective to train with, and its projections.
public struct ObjectiveOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Training objective: dsm, ssm, ssm-vr or exact.",
        discussion: """
            dsm: denoising score matching, one forward and backward pass of the batch per step. \
            ssm / ssm-vr: sliced score matching (Hutchinson trace estimate, without / with the exact norm term) \
            on Gaussian-perturbed data, 1 + M stacked passes per step for M = --projections. \
            exact: Hyvarinen score matching with the full Jacobian trace, 1 + d stacked passes per step.
            """))
    public var objective: ObjectiveKind = .dsm

    @Option(name: .long, help: "Random projections per row for ssm and ssm-vr.")
    public var projections = 1

    @Option(name: .long, help: "Distribution of the projections: rademacher, gaussian or sphere.")
    public var projection: Projection = .rademacher

    public init() {}

    public func validate() throws {
        try Limits.check(projections, "--projections", in: 1...Limits.projections)
    }

    /// Tangent directions per row the objective will carry, for a memory estimate.
    public func tangents(dimension: Int) -> Int {
        switch objective {
        case .dsm: return 0
        case .exact: return dimension
        case .ssm, .ssmVR: return projections
        }
    }

    /// The objective for rows of `dimension` coordinates over `sigmas`.
    public func make(sigmas: SigmaDistribution, dimension: Int) -> any ScoreObjective {
        objective.make(sigmas: sigmas, dimension: dimension, projections: projections, projection: projection)
    }

    /// The objective on `process`: DSM on any process; the Hyvarinen objectives perturb with
    /// variance-exploding noise only, and refuse another process.
    public func make(process: any ForwardProcess, dimension: Int) throws -> any ScoreObjective {
        if objective == .exact && dimension > Limits.exactScoreMatchingDimension {
            throw ValidationError("--objective exact pushes d = \(dimension) tangents through the network per row (\(dimension + 1) stacked passes a step, about \(dimension + 1) times DSM's cost); it is limited to d <= \(Limits.exactScoreMatchingDimension): use ssm-vr, whose --projections set the cost")
        }
        if objective == .dsm { return DenoisingScoreMatching(process: process, dimension: dimension) }
        guard let sigmas = process.additiveSigmas else {
            throw ValidationError("--objective \(objective.rawValue) trains on variance-exploding noise only; use --objective dsm with --process \(process.name)")
        }
        return make(sigmas: sigmas, dimension: dimension)
    }
}
