import Foundation
import ScoreKit

/// The standard pictures of a score-model run, built on `SVGFigure`.
public enum Figures {
    /// A square view around both clouds, padded by 5%.
    static func bounds(_ clouds: [Matrix]) -> (ClosedRange<Double>, ClosedRange<Double>) {
        var lo = (Double.infinity, Double.infinity), hi = (-Double.infinity, -Double.infinity)
        for m in clouds {
            for i in 0..<m.rows where m[i, 0].isFinite && m[i, 1].isFinite {
                lo = (min(lo.0, Double(m[i, 0])), min(lo.1, Double(m[i, 1])))
                hi = (max(hi.0, Double(m[i, 0])), max(hi.1, Double(m[i, 1])))
            }
        }
        guard lo.0.isFinite else { return (-1...1, -1...1) }
        let half = max(hi.0 - lo.0, hi.1 - lo.1, 1e-6) * 0.55
        let center = ((lo.0 + hi.0) / 2, (lo.1 + hi.1) / 2)
        return ((center.0 - half)...(center.0 + half), (center.1 - half)...(center.1 + half))
    }

    /// Generated samples drawn over the data, or over the true density when it is known:
    /// light shading (square-root scale, so faint modes stay visible) and contour lines at 1%,
    /// 10% and 50% of its peak.
    public static func samples(_ samples: Matrix, over data: Matrix, density: GaussianMixture? = nil,
                               title: String) -> SVGFigure {
        let (xs, ys) = bounds([data])
        var figure = SVGFigure(title: title, xLabel: "x1", yLabel: "x2", xRange: xs, yRange: ys)
        if let density {
            let n = 101
            let values = (0..<(n * n)).map { i -> Double in
                let x = xs.lowerBound + Double(i % n) / Double(n - 1) * (xs.upperBound - xs.lowerBound)
                let y = ys.lowerBound + Double(i / n) / Double(n - 1) * (ys.upperBound - ys.lowerBound)
                return exp(density.logDensity([x, y]))
            }
            let top = values.max() ?? 1
            figure.shade(values.map { ($0 / top).squareRoot() * 0.35 }, columns: n, color: "#1f77b4")
            figure.contours(values, columns: n, levels: [0.01, 0.1, 0.5].map { $0 * top }, color: "#1f77b4",
                            label: "true density")
        } else {
            figure.scatter(data, color: "#999999", opacity: 0.35, label: "data")
        }
        figure.scatter(samples, color: "#d62728", opacity: 0.5, label: "samples")
        return figure
    }

    /// The relative score error (relative Fisher divergence) against sigma, on log axes: one line
    /// per labelled series.
    public static func fisherDivergence(_ series: [(label: String, levels: [(sigma: Float, relativeError: Double)])],
                                        title: String) -> SVGFigure {
        let xs = series.flatMap { $0.levels.map { log10(Double($0.sigma)) } }
        let ys = series.flatMap { $0.levels.map { log10(max($0.relativeError, 1e-8)) } }
        var figure = SVGFigure(title: title, xLabel: "log10 sigma", yLabel: "log10 relative score error",
                               xRange: SVGFigure.range(of: xs, padding: 0.1), yRange: SVGFigure.range(of: ys, including: 0, padding: 0.2))
        let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
        for (index, entry) in series.enumerated() {
            figure.line(xs: entry.levels.map { log10(Double($0.sigma)) }, ys: entry.levels.map { log10(max($0.relativeError, 1e-8)) },
                        color: palette[index % palette.count], width: 2, label: entry.label)
        }
        figure.line(xs: [figure.xRange.lowerBound + 0.1, figure.xRange.upperBound - 0.1], ys: [0, 0], color: "#999999", width: 1, label: "zero score (error 1)")
        return figure
    }

    /// The learned score at one noise level on a 21 x 21 grid over the data, with the exact
    /// field beside it where known. Arrows are scaled together, so that the 90th-percentile
    /// length of the exact field (of the learned one when no exact is given) spans one grid cell;
    /// longer ones are capped at two cells, and a learned field near zero shows as near-zero.
    public static func scoreField(learned: some ScoreFunction, exact: (some ScoreFunction)?,
                                  over data: Matrix, at level: NoiseLevel, title: String) -> SVGFigure {
        let (xs, ys) = bounds([data])
        let n = 21
        let cell = (xs.upperBound - xs.lowerBound) / Double(n)
        var grid = Matrix(rows: n * n, columns: 2)
        for i in 0..<n {
            for j in 0..<n {
                grid[i * n + j, 0] = Float(xs.lowerBound + (Double(j) + 0.5) * cell)
                grid[i * n + j, 1] = Float(ys.lowerBound + (Double(i) + 0.5) * cell)
            }
        }
        let origins = (0..<grid.rows).map { (Double(grid[$0, 0]), Double(grid[$0, 1])) }
        let learnedField = learned.scores(grid, at: level)
        let exactField = exact.map { $0.scores(grid, at: level) }
        let referenceField = exactField ?? learnedField
        let lengths = (0..<grid.rows).map { Double(hypotf(referenceField[$0, 0], referenceField[$0, 1])) }.sorted()
        let reference = max(lengths[Int(0.9 * Double(lengths.count - 1))], 1e-12)
        func vectors(_ field: Matrix) -> [(Double, Double)] {
            (0..<field.rows).map { r in
                let u = Double(field[r, 0]), v = Double(field[r, 1])
                let scale = min(cell / reference, 2 * cell / max(hypot(u, v), 1e-12))
                return (u * scale, v * scale)
            }
        }
        var figure = SVGFigure(title: title, xLabel: "x1", yLabel: "x2", xRange: xs, yRange: ys)
        figure.scatter(data, color: "#bbbbbb", opacity: 0.3, label: "data", limit: 2000)
        if let exactField { figure.arrows(from: origins, along: vectors(exactField), color: "#2ca02c", label: "exact score") }
        figure.arrows(from: origins, along: vectors(learnedField), color: "#1f77b4", label: "learned score")
        return figure
    }

    /// The relative score error measured during training, one line per noise level, on a log axis.
    public static func scoreErrorCurve(steps: [Int], sigmas: [Float], errors: [[Double]], title: String) -> SVGFigure {
        let logs = errors.flatMap { $0.map { log10(max($0, 1e-8)) } }
        var figure = SVGFigure(title: title, xLabel: "step", yLabel: "log10 relative score error",
                               xRange: 0...Double(max(steps.last ?? 1, 1)),
                               yRange: SVGFigure.range(of: logs, padding: 0.2, fallback: -2.2...0.2))
        let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]
        for (index, sigma) in sigmas.enumerated() {
            figure.line(xs: steps.map(Double.init), ys: errors.map { log10(max($0[index], 1e-8)) },
                        color: palette[index % palette.count], width: 2, label: String(format: "sigma = %.3g", sigma))
        }
        return figure
    }

    /// The loss per step (faint) and its moving average over `window` steps.
    public static func lossCurve(_ losses: [Float], window: Int = 100, title: String) -> SVGFigure {
        let values = losses.map(Double.init)
        var smoothed: [Double] = []
        var running = 0.0
        for (i, v) in values.enumerated() {
            running += v
            if i >= window { running -= values[i - window] }
            smoothed.append(running / Double(min(i + 1, window)))
        }
        let steps = values.indices.map { Double($0 + 1) }
        let finite = values.filter(\.isFinite).sorted()
        let top = finite.isEmpty ? 1 : finite[Int(0.99 * Double(finite.count - 1))]
        let bottom = finite.first ?? 0
        var figure = SVGFigure(title: title, xLabel: "step", yLabel: "loss",
                               xRange: 0...Double(max(values.count, 1)), yRange: (bottom - 0.05 * (top - bottom))...(top + 0.05 * (top - bottom)))
        // At most ~2000 raw points: a longer polyline only makes the file heavier, not the picture clearer.
        let every = max(1, values.count / 2000)
        let shown = Array(stride(from: 0, to: values.count, by: every))
        figure.line(xs: shown.map { steps[$0] }, ys: shown.map { values[$0] }, color: "#1f77b4", width: 0.6, opacity: 0.3,
                    label: "per step")
        figure.line(xs: shown.map { steps[$0] }, ys: shown.map { smoothed[$0] }, color: "#d62728", width: 2, label: "moving average (\(window))")
        return figure
    }
}
