import Foundation
import ScoreKit

/// "Hyvarinen's objective and the trace": Hutchinson's estimate (1/M) sum_m v_m^T J v_m of
/// tr(ds/dx) against the exact trace from d unit tangents, its mean squared error against M next
/// to the variance law, and what a training step of each objective costs as d grows.
///
/// For one point with Jacobian J and S = (J + J^T) / 2, a single projection has variance
/// 2 sum_{i != j} S_ij^2 (Rademacher) or 2 sum_{i, j} S_ij^2 (Gaussian); M independent ones
/// divide it by M.
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
        let d = Self.dimension, n = 256, repetitions = quick ? 8 : 40
        var rng = RandomSource(seed: 3)
        let network = NetworkScore(model: ScoreMLP(configuration: MLPConfiguration(dimension: d, hiddenWidth: 64, hiddenLayers: 2), rng: &rng))
        let points = Matrix(rows: n, columns: d, elements: rng.normals(count: n * d)), level = NoiseLevel(sigma: 0.5)
        var scores = Matrix(rows: n, columns: d)
        func products(_ directions: Matrix) -> Matrix {
            var out = Matrix(rows: directions.rows, columns: d)
            network.jacobianProducts(points, at: level, directions: directions, scores: &scores, products: &out)
            return out
        }
        // Block j of the unit tangents holds e_j for every point: its products are column j of J.
        var units = Matrix(rows: d * n, columns: d)
        for j in 0..<d { for i in 0..<n { units[j * n + i, j] = 1 } }
        let columns = products(units)
        func jacobian(_ i: Int, _ row: Int, _ column: Int) -> Double { Double(columns[column * n + i, row]) }
        let traces = (0..<n).map { i in (0..<d).reduce(0.0) { $0 + jacobian(i, $1, $1) } }
        var offDiagonal = 0.0, diagonal = 0.0
        for i in 0..<n {
            for a in 0..<d {
                for b in 0..<d {
                    let s = 0.5 * (jacobian(i, a, b) + jacobian(i, b, a))
                    if a == b { diagonal += s * s } else { offDiagonal += s * s }
                }
            }
        }
        var measured: [Projection: [Double]] = [:], predicted: [Projection: [Double]] = [:], slopes: [Projection: Double] = [:]
        for projection in [Projection.rademacher, .gaussian] {
            let single = 2 * (projection == .rademacher ? offDiagonal : offDiagonal + diagonal) / Double(n)
            predicted[projection] = Self.projectionCounts.map { single / Double($0) }
            let errors = Self.projectionCounts.map { m -> Double in
                var total = 0.0
                for _ in 0..<repetitions {
                    let v = projection.directions(count: m * n, dimension: d, rng: &rng), jv = products(v)
                    for i in 0..<n {
                        var estimate = 0.0
                        for k in 0..<m { for j in 0..<d { estimate += Double(v[k * n + i, j]) * Double(jv[k * n + i, j]) } }
                        total += (estimate / Double(m) - traces[i]) * (estimate / Double(m) - traces[i])
                    }
                }
                return total / Double(n * repetitions)
            }
            measured[projection] = errors
            slopes[projection] = Self.slope(xs: Self.projectionCounts.map { log(Double($0)) }, ys: errors.map { log($0) })
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

    /// Least-squares slope of `ys` against `xs`.
    static func slope(xs: [Double], ys: [Double]) -> Double {
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        return zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
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
