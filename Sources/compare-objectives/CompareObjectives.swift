import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitMPI
import ScoreKitStudies

@main
struct CompareObjectives: ScoreKitCommand {
    static let renamedOptions = [(old: "--steps", new: "--train-steps"), (old: "--quick", new: "--fast")]

    static let configuration = CommandConfiguration(
        commandName: "compare-objectives",
        abstract: "Compare exact, sliced (SSM, SSM-VR) and denoising score matching, and the Hutchinson trace estimator.",
        discussion: """
            For each dimension d: a 4-component Gaussian mixture (exact score known), the same network trained \
            by each objective for the same wall-clock time, its cost per step and its relative score error \
            against the exact perturbed score. Then the error of the Hutchinson estimate of tr(ds/dx) against \
            the exact trace as the number of projections M grows. Writes objectives.md and two SVG figures.

            Under mpirun the dimensions are spread over the ranks (dimension i on rank i mod N) and rank 0 \
            writes the report; with --train-steps the numbers equal a one-process run's.
            """)

    @Option(name: .long, parsing: .upToNextOption, help: "Data dimensions to compare.")
    var dims: [Int] = [2, 8, 32, 64]

    @Option(name: .long, help: "Training seconds per objective and dimension (equal wall-clock time).")
    var seconds = 15.0

    @Option(name: [.customLong("train-steps"), .customLong("steps")], help: "Train each objective this many steps instead of --seconds: the same step count for all, reproducible to the bit, not equal in time (--steps is the old spelling).")
    var steps: Int?

    @Option(name: .long, help: "Hidden width of the network.")
    var hidden = 128

    @Option(name: .long, help: "Minibatch size.")
    var batch = 256

    @OptionGroup var report: ReportOptions

    @Flag(name: [.customLong("fast"), .customLong("quick")], help: "Seconds-long smoke run: d = 2 and 8, 1 s per objective, fewer repetitions (--quick is the old spelling).")
    var fast = false

    static let sigmaLevels: [Float] = [0.1, 0.5, 2]
    static let projectionCounts = [1, 2, 4, 8, 16, 32, 64]

    func validate() throws {
        guard !dims.isEmpty else { throw ValidationError("--dims needs at least one dimension") }
        for d in dims { try Limits.check(d, "--dims", in: 1...4096) }
        guard seconds > 0 && seconds <= 86_400 else { throw ValidationError("--seconds must lie in (0, 86400], got \(seconds)") }
        if let steps { try Limits.check(steps, "--train-steps", in: 1...Limits.trainingSteps) }
        try Limits.check(hidden, "--hidden", in: 1...Limits.hiddenWidth)
        try Limits.check(batch, "--batch", in: 1...Limits.batch)
        // The exact objective carries d tangents per row: the largest dimension sets the memory.
        let largest = MLPConfiguration(dimension: dims.max()!, hiddenWidth: hidden, hiddenLayers: 2)
        try Limits.checkMemory(bytes: Limits.trainingBytes(largest, batch: batch, tangents: largest.dimension),
                               for: "--hidden \(hidden) with --batch \(batch) at d = \(largest.dimension)")
    }

    struct TrainingRun: Codable {
        let dimension: Int
        let objective: String
        let steps: Int
        let secondsPerStep: Double
        let errors: [Double]
        var meanError: Double { errors.reduce(0, +) / Double(errors.count) }
    }

    /// The trace study at one dimension: the check's measures, without the law.
    struct TraceRun: Codable {
        let dimension: Int
        let projection: Projection
        /// Mean squared error of the M-projection estimate against the exact trace, per M.
        let meanSquaredErrors: [Double]
        /// Least-squares slope of log MSE against log M (-1 for a 1/M fall).
        let slope: Double
    }

    /// What one dimension adds to the report: a run per objective and a trace study per projection.
    struct DimensionResult: Codable {
        let training: [TrainingRun]
        let traces: [TraceRun]
    }

    func execute() throws {
        let group = ProcessGroup.world
        if group.isLeader { try report.prepare() }
        let dimensions = fast ? [2, 8] : dims, budget = fast ? 1 : seconds
        var root = RandomSource(seed: report.seed)
        let generators = dimensions.map { _ in root.split() }
        let results = try group.distribute(dimensions.count) { try study(dimension: dimensions[$0], budget: budget, rng: generators[$0]) }
        for result in results {
            for run in result.training {
                printNow(String(format: "d=%-3d ", run.dimension) + run.objective.padding(toLength: 7, withPad: " ", startingAt: 0)
                         + String(format: "%6d steps, %8.2f ms/step, relative score error %.4f",
                                  run.steps, 1e3 * run.secondsPerStep, run.meanError))
            }
            for trace in result.traces {
                printNow(String(format: "d=%-3d Hutchinson (%@): MSE at M=1 %.4g, slope of log MSE vs log M %.3f",
                                trace.dimension, trace.projection.rawValue as NSString, trace.meanSquaredErrors[0], trace.slope))
            }
        }
        if group.isLeader {
            try write(training: results.flatMap(\.training), traces: results.flatMap(\.traces), budget: budget)
        }
        group.finish()
    }

    /// Every objective at dimension `d`, trained for the budget (or `--train-steps`), then the trace study
    /// on the DSM-trained network.
    func study(dimension d: Int, budget: Double, rng generator: RandomSource) throws -> DimensionResult {
        var rng = generator
        let mixture = GaussianMixture.random(components: 4, dimension: d, rng: &rng)
        let data = mixture.sample(count: 20_000, rng: &rng)
        let configuration = MLPConfiguration(dimension: d, hiddenWidth: hidden, hiddenLayers: 2)
        var trained: ScoreMLP?, training: [TrainingRun] = []
        for kind in ObjectiveKind.allCases {
            let objective = kind.make(sigmas: .logUniform(min: 0.05, max: 5), dimension: d)
            var modelRng = RandomSource(seed: report.seed &+ UInt64(d))
            let trainer = ScoreTrainer(model: ScoreMLP(configuration: configuration, rng: &modelRng), data: data,
                                       objective: objective, batchSize: batch, emaDecay: nil, rng: rng.split())
            let start = Stopwatch.now()
            if let steps {
                for _ in 0..<steps { try trainer.trainStep() }
            } else {
                while Stopwatch.now() - start < budget { try trainer.trainStep() }
            }
            let elapsed = Stopwatch.now() - start
            var evalRng = RandomSource(seed: report.seed &+ 1000 &+ UInt64(d))
            let errors = ScoreError.relative(of: NetworkScore(model: trainer.model), target: mixture,
                                             sigmas: Self.sigmaLevels, samples: 2000, rng: &evalRng)
            training.append(TrainingRun(dimension: d, objective: kind.rawValue, steps: trainer.step,
                                        secondsPerStep: elapsed / Double(trainer.step), errors: errors))
            if kind == .dsm { trained = trainer.model }
        }
        let traces = [Projection.rademacher, .gaussian].map { projection in
            traceErrors(model: trained!, mixture: mixture, projection: projection, repetitions: fast ? 4 : 20, rng: &rng)
        }
        return DimensionResult(training: training, traces: traces)
    }

    /// The M-projection Hutchinson estimate (1/M) sum_m v_m^T J v_m of tr(ds/dx) at 256 points of
    /// q_0.5, against the exact trace from d unit tangents (`HutchinsonCheck`).
    func traceErrors(model: ScoreMLP, mixture: GaussianMixture, projection: Projection, repetitions: Int,
                     rng: inout RandomSource) -> TraceRun {
        let n = 256, d = mixture.dimension, sigma: Float = 0.5
        var points = mixture.sample(count: n, rng: &rng)
        let noise = rng.normals(count: n * d)
        for i in points.elements.indices { points.elements[i] += sigma * noise[i] }
        let check = HutchinsonCheck(score: NetworkScore(model: model), points: points, level: NoiseLevel(sigma: Double(sigma)),
                                    projection: projection, projectionCounts: Self.projectionCounts, repetitions: repetitions, rng: &rng)
        return TraceRun(dimension: d, projection: projection, meanSquaredErrors: check.meanSquaredErrors, slope: check.slope)
    }

    func write(training: [TrainingRun], traces: [TraceRun], budget: Double) throws {
        let images = report.images
        let colors = ["dsm": "#1f77b4", "ssm": "#ff7f0e", "ssm-vr": "#2ca02c", "exact": "#d62728"]
        let dims = Array(Set(training.map(\.dimension))).sorted()
        let logD = dims.map { log2(Double($0)) }
        let allErrors = training.map { log10(max($0.meanError, 1e-6)) }
        var errorFigure = SVGFigure(title: "Score error after \(String(format: "%g", budget)) s of training",
                                    xLabel: "log2 d", yLabel: "log10 relative score error (mean over sigma)",
                                    xRange: (logD.min()! - 0.3)...(logD.max()! + 0.3),
                                    yRange: (allErrors.min()! - 0.2)...(allErrors.max()! + 0.2))
        for kind in ObjectiveKind.allCases {
            let runs = training.filter { $0.objective == kind.rawValue }.sorted { $0.dimension < $1.dimension }
            errorFigure.line(xs: runs.map { log2(Double($0.dimension)) }, ys: runs.map { log10(max($0.meanError, 1e-6)) },
                             color: colors[kind.rawValue]!, width: 2, label: kind.rawValue)
        }
        try errorFigure.write(to: (images as NSString).appendingPathComponent("objectives-error.svg"))

        let logM = Self.projectionCounts.map { log2(Double($0)) }
        let relative = traces.flatMap { t in t.meanSquaredErrors.map { log10($0 / t.meanSquaredErrors[0]) } }
        var traceFigure = SVGFigure(title: "Hutchinson trace estimate: error against projections",
                                    xLabel: "log2 M", yLabel: "log10 (MSE / MSE at M = 1)",
                                    xRange: -0.2...(logM.last! + 0.2), yRange: (relative.min()! - 0.2)...0.3)
        traceFigure.line(xs: logM, ys: logM.map { -$0 * log10(2) }, color: "#999999", width: 3, label: "1/M")
        let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
        for (index, d) in dims.enumerated() {
            guard let t = traces.first(where: { $0.dimension == d && $0.projection == .rademacher }) else { continue }
            traceFigure.line(xs: logM, ys: t.meanSquaredErrors.map { log10($0 / t.meanSquaredErrors[0]) },
                             color: palette[index % palette.count], width: 1.5, label: "d = \(d), Rademacher")
        }
        try traceFigure.write(to: (images as NSString).appendingPathComponent("hutchinson-variance.svg"))

        var md = """
            # Exact, sliced and denoising score matching, measured

            Generated by `swift run -c release compare-objectives\(fast ? " --fast" : "")` on \
            \(ISO8601DateFormatter().string(from: Date()).prefix(10)), OpenBLAS threads \(ThreadGovernor.shared.summary), \
            \(steps.map { "\($0) steps" } ?? String(format: "%g s", budget)) of training per objective and dimension\
            \(ProcessGroup.world.size > 1 ? ", dimensions spread over \(ProcessGroup.world.size) MPI ranks" : "").

            **Set-up.** Data: 20,000 points of a 4-component Gaussian mixture in d dimensions (means on the sphere \
            of radius 3, per-coordinate variances uniform on [0.25, 1]; seed \(report.seed)), so the score of every perturbed \
            density q_sigma is known exactly. Network MLP(d, \(hidden), 2), batch \(batch), Adam lr 1e-3, sigma \
            log-uniform on [0.05, 5]. DSM regresses onto -z / sigma; exact SM, SSM and SSM-VR minimise the Hyvarinen \
            objective on the perturbed data (weight sigma^2), with the trace from d tangents (exact) or one Rademacher \
            projection per row (SSM, SSM-VR). Every objective gets the same wall-clock time; the error is the relative \
            score error E||s - grad log q_sigma||^2 / E||grad log q_sigma||^2 on 2,000 samples of q_sigma (0 is perfect; \
            the zero function scores 1). Runs are budgeted by time, so step counts, and with them the errors, \
            move a little from one run to the next (and with the machine's load); the ranking of the objectives \
            is what to read.

            | d | objective | ms / step | steps | error, sigma = 0.1 | sigma = 0.5 | sigma = 2 | mean |
            |---|---|---|---|---|---|---|---|

            """
        for r in training {
            md += String(format: "| %d | %@ | %.2f | %d | %.4f | %.4f | %.4f | %.4f |\n", r.dimension, r.objective as NSString,
                         1e3 * r.secondsPerStep, r.steps, r.errors[0], r.errors[1], r.errors[2], r.meanError)
        }
        md += "\n**In this run.**"
        for d in dims {
            let runs = training.filter { $0.dimension == d }
            guard let best = runs.min(by: { $0.meanError < $1.meanError }),
                  let exact = runs.first(where: { $0.objective == "exact" }),
                  let sliced = runs.first(where: { $0.objective == "ssm-vr" }) else { continue }
            md += String(format: " d = %d: lowest mean error %@ (%.4f); an exact step cost %.1f SSM-VR steps.",
                         d, best.objective as NSString, best.meanError, exact.secondsPerStep / sliced.secondsPerStep)
        }
        md += """


            ![score error against dimension](images/objectives-error.svg)

            ## The Hutchinson estimate of the trace

            At 256 points of q_0.5 and the DSM-trained network of each dimension: the mean squared error of
            (1/M) sum_m v_m^T (ds/dx) v_m against the exact trace (from d unit tangents), over
            \(fast ? 4 : 20) repetitions. For independent projections it must fall as 1/M: the slope of
            log MSE against log M is then -1.

            | d | projection | \(Self.projectionCounts.map { "M = \($0)" }.joined(separator: " | ")) | slope |
            |---|---|\(Self.projectionCounts.map { _ in "---" }.joined(separator: "|"))|---|

            """
        for t in traces {
            md += "| \(t.dimension) | \(t.projection.rawValue) | "
                + t.meanSquaredErrors.map { String(format: "%.4g", $0) }.joined(separator: " | ")
                + String(format: " | %.3f |\n", t.slope)
        }
        md += "\n![Hutchinson error against M](images/hutchinson-variance.svg)\n"
        let path = report.path("objectives.md")
        try AtomicFile.write(md, to: path)
        printNow("wrote \(path) and \(images)/objectives-error.svg, hutchinson-variance.svg")
    }
}
