import Foundation
import ScoreKit
import ScoreKitStudies

/// "Hyvarinen's objective and the trace": Hutchinson's estimate of tr(ds/dx) against the exact
/// trace, its mean squared error against M next to the variance law (`HutchinsonCheck`), and
/// what a training step of each objective costs as d grows.
public struct TraceArticle: Article {
    public static let fileName = "HyvarinensObjectiveAndTheTrace"
    public static let projectionCounts = [1, 2, 4, 8, 16, 32, 64]
    public static let dimension = 8
    /// Per projection kind: the measured mean squared error per M, and the law's per M.
    public let measured: [Projection: [Double]]
    public let predicted: [Projection: [Double]]
    /// Least-squares slope of log MSE against log M (-1 for the 1/M law).
    public let slopes: [Projection: Double]
    /// Milliseconds per training step of each objective, per dimension (timed in this run).
    public let costs: [(dimension: Int, milliseconds: [String: Double])]
    public let figures: [(name: String, figure: SVGFigure)]

    public init(quick: Bool) throws {
        let d = Self.dimension, n = 256
        var rng = RandomSource(seed: 3)
        let network = NetworkScore(model: ScoreMLP(configuration: MLPConfiguration(dimension: d, hiddenWidth: 64, hiddenLayers: 2), rng: &rng))
        let points = Matrix(rows: n, columns: d, elements: rng.normals(count: n * d))
        var measured: [Projection: [Double]] = [:], predicted: [Projection: [Double]] = [:], slopes: [Projection: Double] = [:]
        for projection in [Projection.rademacher, .gaussian] {
            let check = HutchinsonCheck(score: network, points: points, level: NoiseLevel(sigma: 0.5), projection: projection,
                                        projectionCounts: Self.projectionCounts, repetitions: quick ? 8 : 40, rng: &rng)
            measured[projection] = check.meanSquaredErrors
            predicted[projection] = check.law
            slopes[projection] = check.slope
        }
        self.measured = measured
        self.predicted = predicted
        self.slopes = slopes
        costs = try [2, 8, 32, 64].map { try Self.stepCosts(dimension: $0, steps: quick ? 2 : 30) }
        let logM = Self.projectionCounts.map { log2(Double($0)) }
        var figure = SVGFigure(title: "Hutchinson's trace estimate at d = \(d): error against projections", xLabel: "log2 M",
                               yLabel: "log10 mean squared error", xRange: -0.2...(logM.last! + 0.2),
                               yRange: SVGFigure.range(of: (measured.values.flatMap { $0 } + predicted.values.flatMap { $0 }).map { log10($0) }, padding: 0.2))
        for (projection, color) in [(Projection.rademacher, "#1f77b4"), (.gaussian, "#d62728")] {
            figure.line(xs: logM, ys: predicted[projection]!.map { log10($0) }, color: "#999999", width: 3,
                        label: projection == .rademacher ? "law: one projection's variance / M" : nil)
            figure.line(xs: logM, ys: measured[projection]!.map { log10($0) }, color: color, width: 1.5, label: "\(projection.rawValue), measured")
        }
        figures = [("hutchinson-variance", figure)]
    }

    /// Milliseconds per step of DSM, SSM-VR and the exact objective for MLP(d, 128, 2), batch 128.
    static func stepCosts(dimension d: Int, steps: Int) throws -> (dimension: Int, milliseconds: [String: Double]) {
        var rng = RandomSource(seed: 4)
        let data = Matrix(rows: 1024, columns: d, elements: rng.normals(count: 1024 * d))
        var costs: [String: Double] = [:]
        for kind in [ObjectiveKind.dsm, .ssmVR, .exact] {
            var modelRng = RandomSource(seed: 5)
            let trainer = ScoreTrainer(model: ScoreMLP(configuration: MLPConfiguration(dimension: d, hiddenWidth: 128, hiddenLayers: 2), rng: &modelRng),
                                       data: data, objective: kind.make(sigmas: .logUniform(min: 0.1, max: 1), dimension: d),
                                       batchSize: 128, emaDecay: nil, rng: rng.split())
            try trainer.trainStep()
            let start = Date()
            for _ in 0..<steps { try trainer.trainStep() }
            costs[kind.rawValue] = 1e3 * Date().timeIntervalSince(start) / Double(steps)
        }
        return (d, costs)
    }

    public var generated: String {
        let errors = table(["M", "Rademacher: measured", "law", "Gaussian: measured", "law"],
                           Self.projectionCounts.indices.map { k in
                               ["\(Self.projectionCounts[k])"] + [Projection.rademacher, .gaussian].flatMap { p in
                                   [String(format: "%.4g", measured[p]![k]), String(format: "%.4g", predicted[p]![k])]
                               }
                           })
        let slopeLine = String(format: "Slope of log MSE against log M: %.3f (Rademacher), %.3f (Gaussian); the law says -1.",
                               slopes[.rademacher]!, slopes[.gaussian]!)
        let cost = table(["d", "DSM, ms / step", "SSM-VR (M = 1)", "exact (d tangents)", "exact / SSM-VR"],
                         costs.map { row in
                             let m = row.milliseconds
                             return ["\(row.dimension)", String(format: "%.2f", m["dsm"]!), String(format: "%.2f", m["ssm-vr"]!),
                                     String(format: "%.2f", m["exact"]!), String(format: "%.1f", m["exact"]! / m["ssm-vr"]!)]
                         })
        return errors + "\n\n" + slopeLine + "\n\n" + cost
    }
}
