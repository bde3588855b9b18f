import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI

/// The divergence estimators by name.
enum DivergenceOption: String, ExpressibleByArgument {
    case exact, hutchinson

    var divergence: ProbabilityFlowLikelihood.Divergence { self == .exact ? .exact : .hutchinson(.rademacher) }
}

@main
struct Likelihood: ScoreKitCommand {
    static let configuration = CommandConfiguration(
        commandName: "likelihood",
        abstract: "The log-likelihood of points under a saved score model, through its probability-flow ODE.",
        discussion: """
            Integrates dx/dt = f x - g^2 s / 2 and the divergence of that field from eps_t up to t = 1 (Dormand-Prince), \
            the divergence's Jacobian products by forward mode, or by reverse mode for a network without it (the U-Net), \
            and adds the prior N(0, s^2 I) at the path's end. Needs a continuous process (ve, vp-sde, subvp-sde). \
            Prints the negative log-likelihood in nats per point, nats per dimension and bits per dimension; for a \
            built-in mixture, also the exact one of the same points and the difference, the model's KL to the data \
            (up to the prior's mismatch). Writes each point's log p to --output (.npy).
            """)

    @OptionGroup var model: CheckpointOptions

    @Option(name: .long, help: "A .npy or .csv file of points [N, d] (instead of --data).")
    var points: String?

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: "Points to evaluate: the first N of --points, or N drawn from --data.")
    var count = 2000

    @Option(name: .long, help: ArgumentHelp("The trace of ds/dx: exact (d Jacobian-vector products) or hutchinson (one Rademacher probe per point). Default: exact up to \(Limits.exactScoreMatchingDimension) dimensions, hutchinson above and for a network without forward mode (the U-Net: its exact trace takes d backward passes per evaluation).", valueName: "exact|hutchinson"))
    var divergence: DivergenceOption?

    @Option(name: .long, help: "Relative tolerance of the ODE solver.")
    var rtol = 1e-5

    @Option(name: .long, help: "Absolute tolerance of the ODE solver.")
    var atol = 1e-5

    @OptionGroup var run: RunOptions

    @Option(name: .long, help: "Where to write each point's log p (.npy, float32 [N]).")
    var output = "runs/likelihood/log-density.npy"

    func validate() throws {
        guard count >= 1 && count <= 10_000_000 else { throw ValidationError("--count must lie in 1...10000000, got \(count)") }
        guard rtol > 0 && rtol.isFinite && atol > 0 && atol.isFinite else { throw ValidationError("--rtol and --atol must be positive, got \(rtol) and \(atol)") }
    }

    func execute() throws {
        try SingleProcess.require("likelihood")
        try OutputPath.prepareFile(output, extension: "npy")
        run.startThreads()
        let (checkpoint, network) = try model.load()
        if let note = checkpoint.note { printNow("note: \(note)") }
        let configuration = checkpoint.configuration, d = configuration.dimension
        // Without forward mode the exact trace costs d backward passes per evaluation.
        let divergence = self.divergence ?? (d <= Limits.exactScoreMatchingDimension && configuration.supportsTangents ? .exact : .hutchinson)
        if divergence == .exact && configuration.supportsTangents {
            let chunk = NetworkScore.standardChunk(for: network)
            try Limits.checkMemory(bytes: 4 * configuration.activationFloats(batch: chunk, tangents: d),
                                   for: "--divergence exact (\(d) tangents per point on this \(d)-D model; --divergence hutchinson takes one)")
        }
        let likelihood: ProbabilityFlowLikelihood
        do {
            likelihood = try ProbabilityFlowLikelihood(process: continuous(checkpoint.process, for: "the likelihood (through the probability-flow ODE)"), divergence: divergence.divergence, relativeTolerance: rtol, absoluteTolerance: atol)
        } catch let error as SamplerError {
            throw RunFailure("\(model.checkpoint): \(error)")
        }
        var rng = RandomSource(seed: run.seedOrDefault)
        var dataRng = rng.split(), probeRng = rng.split()
        let all = try points.map { try DataFile.load($0) } ?? dataOptions.load(seed: dataRng.next())
        guard all.columns == d else {
            throw RunFailure("the points are \(all.columns)-D, the model \(d)-D")
        }
        let chosen = all.gatherRows(Array(0..<min(count, all.rows)))
        let progress = ProgressLine("likelihood: ODE progress (per mille)", total: 1000)
        let result = likelihood.logDensities(of: chosen, score: NetworkScore(model: network), rng: &probeRng) { progress.update(Int(1000 * $0)) }
        guard result.logDensities.allSatisfy(\.isFinite) else {
            throw RunFailure("the ODE diverged (non-finite log-densities); try tighter --rtol and --atol")
        }
        try NumpyArray(shape: [chosen.rows], values: result.logDensities.map(Float.init)).write(to: output)
        let dimensions = Double(d), nll = result.meanNegativeLogLikelihood
        printNow(String(format: "%d points, %@ divergence, %d score evaluations", chosen.rows, divergence.rawValue, result.evaluations))
        printNow(String(format: "negative log-likelihood: %.4f nats per point, %.4f nats per dimension, %.4f bits per dimension",
                        nll, nll / dimensions, result.bitsPerDimension))
        if points == nil, let mixture = dataOptions.builtIn?.mixture {
            let exact = mixture.marginal(at: checkpoint.process.level(at: checkpoint.process.earliestTime))
            let exactNLL = -(0..<chosen.rows).reduce(0.0) { $0 + exact.logDensity(chosen.row($1).map(Double.init)) } / Double(chosen.rows)
            printNow(String(format: "exact NLL of the same points: %.4f nats per dimension; the difference (the model's KL to the data): %.4f nats per dimension",
                            exactNLL / dimensions, (nll - exactNLL) / dimensions))
        }
        printNow("log-densities: \(output)")
    }
}
