import Foundation
import ScoreKit

/// A minimal 2-D plot written directly as SVG (no plotting library exists for Swift on Linux):
/// axes with tick labels, a title, a legend, and layers of points, arrows and lines in data
/// coordinates. Enough for sample scatters, score fields and loss curves.
public struct SVGFigure {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    public let width = 640.0
    public let height = 560.0
    /// The size it is shown at, as a fraction of its drawing size (the view box stays 640 x 560).
    public var displayScale = 1.0
    private var layers: [String] = []
    private var legend: [(label: String, color: String)] = []
    private let margin = (left: 64.0, right: 16.0, top: 40.0, bottom: 52.0)

    public init(title: String, xLabel: String, yLabel: String,
                xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xRange = Self.drawable(xRange)
        self.yRange = Self.drawable(yRange)
    }

    /// The span of the finite `values` (and of `including`, if given), widened by `padding` on
    /// each side; `fallback` when no value is finite. NaN and infinities never reach an axis.
    public static func range(of values: [Double], including: Double? = nil, padding: Double,
                             fallback: ClosedRange<Double> = 0...1) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite) + (including.map { [$0] } ?? [])
        guard let low = finite.min(), let high = finite.max() else { return fallback }
        return (low - padding)...(high + padding)
    }

    /// A range an axis can span: a point widens to +-1 around it, and a range with an infinite
    /// or NaN end (from diverged values) becomes 0...1, where the finite values still show.
    static func drawable(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        guard range.lowerBound.isFinite, range.upperBound.isFinite, (range.upperBound - range.lowerBound).isFinite else { return 0...1 }
        return range.upperBound > range.lowerBound ? range : (range.lowerBound - 1)...(range.lowerBound + 1)
    }

    private func px(_ x: Double) -> Double {
        margin.left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * (width - margin.left - margin.right)
    }

    private func py(_ y: Double) -> Double {
        height - margin.bottom - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * (height - margin.top - margin.bottom)
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Dots at the first `limit` rows of a [N, 2] matrix.
    public mutating func scatter(_ points: Matrix, color: String, radius: Double = 1.6, opacity: Double = 0.5,
                                 label: String? = nil, limit: Int = 4000) {
        precondition(points.columns == 2, "SVGFigure.scatter: needs 2-D points, got \(points.columns) columns")
        var dots = "<g fill=\"\(color)\" fill-opacity=\"\(opacity)\">"
        for i in 0..<min(points.rows, limit) {
            let x = Double(points[i, 0]), y = Double(points[i, 1])
            guard xRange.contains(x), yRange.contains(y) else { continue }
            dots += "<circle cx=\"\(fmt(px(x)))\" cy=\"\(fmt(py(y)))\" r=\"\(radius)\"/>"
        }
        layers.append(dots + "</g>")
        if let label { legend.append((label, color)) }
    }

    /// Arrows from each origin along its vector (both in data units).
    public mutating func arrows(from origins: [(Double, Double)], along vectors: [(Double, Double)],
                                color: String, label: String? = nil) {
        var paths = "<g stroke=\"\(color)\" stroke-width=\"1.2\" fill=\"none\">"
        for ((x, y), (u, v)) in zip(origins, vectors) {
            let x0 = px(x), y0 = py(y), x1 = px(x + u), y1 = py(y + v)
            let length = ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot()
            guard length > 0.5, length.isFinite else { continue }
            let (dx, dy) = ((x1 - x0) / length, (y1 - y0) / length)
            let head = min(5, 0.4 * length)
            let left = (x1 - head * (dx - 0.5 * dy), y1 - head * (dy + 0.5 * dx))
            let right = (x1 - head * (dx + 0.5 * dy), y1 - head * (dy - 0.5 * dx))
            paths += "<path d=\"M\(fmt(x0)),\(fmt(y0))L\(fmt(x1)),\(fmt(y1))M\(fmt(left.0)),\(fmt(left.1))L\(fmt(x1)),\(fmt(y1))L\(fmt(right.0)),\(fmt(right.1))\"/>"
        }
        layers.append(paths + "</g>")
        if let label { legend.append((label, color)) }
    }

    /// A shaded grid over the plot: `intensities` (row-major, `columns` per row, from the bottom
    /// row up, each in [0, 1]) as the opacity of `color` in equal cells spanning the axes.
    public mutating func shade(_ intensities: [Double], columns: Int, color: String, label: String? = nil) {
        let rows = intensities.count / columns
        let cw = (xRange.upperBound - xRange.lowerBound) / Double(columns)
        let ch = (yRange.upperBound - yRange.lowerBound) / Double(rows)
        var cells = "<g fill=\"\(color)\" stroke=\"none\">"
        for r in 0..<rows {
            for c in 0..<columns where intensities[r * columns + c] > 0.01 {
                let x = xRange.lowerBound + Double(c) * cw, y = yRange.lowerBound + Double(r + 1) * ch
                cells += "<rect x=\"\(fmt(px(x)))\" y=\"\(fmt(py(y)))\" width=\"\(fmt(px(x + cw) - px(x) + 0.3))\" height=\"\(fmt(py(y - ch) - py(y) + 0.3))\" fill-opacity=\"\(String(format: "%.2f", min(1, intensities[r * columns + c])))\"/>"
            }
        }
        layers.append(cells + "</g>")
        if let label { legend.append((label, color)) }
    }

    /// Contour lines of a field sampled on a regular grid of `columns` x (values.count / columns)
    /// points spanning the axes exactly (row-major, bottom row first), at each of `levels`, by
    /// marching squares: per grid cell, the level's crossings on the cell's edges (linearly
    /// interpolated) joined in pairs.
    public mutating func contours(_ values: [Double], columns: Int, levels: [Double], color: String,
                                  label: String? = nil) {
        let rows = values.count / columns
        let dx = (xRange.upperBound - xRange.lowerBound) / Double(columns - 1)
        let dy = (yRange.upperBound - yRange.lowerBound) / Double(rows - 1)
        var path = ""
        for level in levels {
            for r in 0..<(rows - 1) {
                for c in 0..<(columns - 1) {
                    // Corners counter-clockwise from bottom-left, and the edges between them.
                    let corners = [(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)]
                    var crossings: [(Double, Double)] = []
                    for e in 0..<4 {
                        let (c0, r0) = corners[e], (c1, r1) = corners[(e + 1) % 4]
                        let v0 = values[r0 * columns + c0], v1 = values[r1 * columns + c1]
                        guard (v0 < level) != (v1 < level) else { continue }
                        let t = (level - v0) / (v1 - v0)
                        crossings.append((xRange.lowerBound + (Double(c0) + t * Double(c1 - c0)) * dx,
                                          yRange.lowerBound + (Double(r0) + t * Double(r1 - r0)) * dy))
                    }
                    for pair in stride(from: 0, to: crossings.count - 1, by: 2) {
                        let (a, b) = (crossings[pair], crossings[pair + 1])
                        path += "M\(fmt(px(a.0))),\(fmt(py(a.1)))L\(fmt(px(b.0))),\(fmt(py(b.1)))"
                    }
                }
            }
        }
        layers.append("<path fill=\"none\" stroke=\"\(color)\" stroke-width=\"1\" d=\"\(path)\"/>")
        if let label { legend.append((label, color)) }
    }

    /// A polyline through (xs[i], ys[i]); non-finite points are skipped.
    public mutating func line(xs: [Double], ys: [Double], color: String, width lineWidth: Double = 1.5,
                              opacity: Double = 1, label: String? = nil) {
        let points = zip(xs, ys).filter { $0.0.isFinite && $0.1.isFinite }
            .map { "\(fmt(px($0.0))),\(fmt(py($0.1)))" }.joined(separator: " ")
        layers.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(lineWidth)\" stroke-opacity=\"\(opacity)\" points=\"\(points)\"/>")
        if let label { legend.append((label, color)) }
    }

    /// About five round tick values across `range`.
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span.isFinite, span > 0 else { return [] }
        let raw = span / 5, magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = ceil(range.lowerBound / step) * step
        return stride(from: first, through: range.upperBound + 1e-9 * span, by: step).map { abs($0) < 1e-12 * span ? 0 : $0 }
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    public var svg: String {
        let left = margin.left, right = width - margin.right, top = margin.top, bottom = height - margin.bottom
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width * displayScale))\" height=\"\(Int(height * displayScale))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(fmt(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(Self.escape(title))</text>\n"
        out += "<g stroke=\"#ddd\">"
        for t in Self.ticks(xRange) { out += "<line x1=\"\(fmt(px(t)))\" y1=\"\(fmt(top))\" x2=\"\(fmt(px(t)))\" y2=\"\(fmt(bottom))\"/>" }
        for t in Self.ticks(yRange) { out += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(py(t)))\" x2=\"\(fmt(right))\" y2=\"\(fmt(py(t)))\"/>" }
        out += "</g>\n"
        out += "<defs><clipPath id=\"plot\"><rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\"/></clipPath></defs>\n"
        out += "<g clip-path=\"url(#plot)\">\n" + layers.joined(separator: "\n") + "\n</g>\n"
        out += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
        for t in Self.ticks(xRange) {
            // A label centred near the right edge would run past the figure (about 7 px a
            // character at 12 px): it ends at the edge instead.
            let label = Self.tickLabel(t), halfWidth = 3.5 * Double(label.count)
            let (x, anchor) = px(t) + halfWidth > width - 2 ? (width - 2, "end") : (px(t), "middle")
            out += "<text x=\"\(fmt(x))\" y=\"\(fmt(bottom + 16))\" text-anchor=\"\(anchor)\">\(label)</text>"
        }
        for t in Self.ticks(yRange) {
            out += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(py(t) + 4))\" text-anchor=\"end\">\(Self.tickLabel(t))</text>"
        }
        out += "\n<text x=\"\(fmt((left + right) / 2))\" y=\"\(fmt(height - 12))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16 \(fmt((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        // Wide enough for the longest label at about 6.6 px per character of the 12 px font.
        let legendWidth = max(154, 30 + 6.6 * Double(legend.map(\.label.count).max() ?? 0))
        if !legend.isEmpty {
            out += "<rect x=\"\(fmt(right - legendWidth - 4))\" y=\"\(fmt(top + 4))\" width=\"\(fmt(legendWidth))\" height=\"\(fmt(18 * Double(legend.count) + 6))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>"
        }
        for (i, entry) in legend.enumerated() {
            let y = top + 16 + 18 * Double(i)
            out += "<rect x=\"\(fmt(right - legendWidth + 4))\" y=\"\(fmt(y - 9))\" width=\"12\" height=\"12\" fill=\"\(entry.color)\"/>"
            out += "<text x=\"\(fmt(right - legendWidth + 22))\" y=\"\(fmt(y + 1))\">\(Self.escape(entry.label))</text>\n"
        }
        return out + "</svg>\n"
    }

    private static func tickLabel(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        return String(format: abs(v) < 1e-3 || abs(v) >= 1e5 ? "%.1e" : "%g", v)
    }

    public func write(to path: String) throws { try AtomicFile.write(svg, to: path) }
}
