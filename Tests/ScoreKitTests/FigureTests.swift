import Foundation
import ScoreKit
import ScoreKitStudies
import Testing

/// The SVG figures put data where the axes say it is. Read back from the SVG text itself.
@Suite struct FigureTests {
    /// The numbers of every `name="…"` attribute in `svg`, in order.
    func attribute(_ name: String, in svg: String) -> [Double] {
        svg.components(separatedBy: " \(name)=\"").dropFirst().compactMap { Double($0.prefix { $0 != "\"" }) }
    }

    @Test func pointsLandAtTheirAxisPositions() {
        // 640 x 560 with margins left 64, right 16, top 40, bottom 52: the plot spans x in
        // [64, 624] and y in [40, 508]. Rejected: a flipped y axis, an offset or scale error in
        // either mapping, points outside the ranges drawn.
        var figure = SVGFigure(title: "a < b & c", xLabel: "x", yLabel: "y", xRange: 0...10, yRange: -1...1)
        figure.scatter(Matrix(rows: 4, columns: 2, elements: [0, -1, 10, 1, 2.5, 0.5, 11, 0]), color: "red")
        let svg = figure.svg
        #expect(attribute("cx", in: svg) == [64, 624, 204])
        #expect(attribute("cy", in: svg) == [508, 40, 157])
        #expect(svg.contains("a &lt; b &amp; c"), "the title is escaped")
    }

    @Test func theLastXTickLabelStaysInsideTheFigure() {
        // The plot ends at x = 624 of 640: "15000" centred there would reach 641.5. It ends at
        // 638 instead; "5000" and "10000", well inside, stay centred on their ticks.
        let svg = SVGFigure(title: "", xLabel: "", yLabel: "", xRange: 0...15000, yRange: 0...1).svg
        #expect(svg.contains("<text x=\"638.0\" y=\"524.0\" text-anchor=\"end\">15000</text>"))
        #expect(svg.contains("text-anchor=\"middle\">10000</text>") && svg.contains("text-anchor=\"middle\">5000</text>"))
    }

    @Test func ticksAreRoundAndCoverTheRange() {
        // Ticks every 1, 2 or 5 times a power of ten, the smallest such step at least a fifth of
        // the span: 1 for a span of 2.9 (0.58 per fifth), 200 for 1000. Rejected: a step below a
        // fifth of the span (0.5 here), ticks outside the range, or the first tick skipped.
        let figure = SVGFigure(title: "", xLabel: "", yLabel: "", xRange: -0.3...2.6, yRange: 0...1000)
        let svg = figure.svg
        for label in ["0", "1", "2"] { #expect(svg.contains(">\(label)</text>"), "x tick \(label)") }
        #expect(!svg.contains(">0.5</text>") && !svg.contains(">-1</text>"))
        for label in ["0", "200", "400", "600", "800", "1000"] { #expect(svg.contains(">\(label)</text>"), "y tick \(label)") }
        #expect(!svg.contains(">3</text>") && !svg.contains(">1200</text>"), "no tick outside the range")
    }

    /// Diverged values reach figures as infinities and NaN. Rejected: tick generation over an
    /// infinite span (it never ends) and a range built from NaN (it traps).
    @Test func nonFiniteValuesNeitherHangNorTrap() {
        #expect(SVGFigure(title: "", xLabel: "", yLabel: "", xRange: 0...Double.infinity, yRange: -1...1).xRange == 0...1)
        #expect(SVGFigure.range(of: [.nan, 2, .infinity, -1], padding: 0.5) == -1.5...2.5)
        let figure = Figures.fisherDivergence([("learned", [(0.1, .infinity), (1, .nan), (10, 0.5)])], title: "t")
        #expect(figure.yRange.upperBound.isFinite && figure.svg.contains("<polyline"))
    }

    @Test func contoursOfAQuadraticFieldAreEllipses() {
        // f(x, y) = x^2 + 4 y^2 on a 41 x 21 grid over [-2, 2] x [-1, 1]: the level 1 contour is the
        // ellipse f = 1, to within the linear interpolation's error on a 0.1 grid (below 0.03 in f).
        // Rejected: interpolation toward the wrong corner, rows and columns swapped on a
        // non-square grid, a wrong cell size.
        let n = 41, m = 21
        var values: [Double] = []
        for r in 0..<m { for c in 0..<n {
            let x = -2 + 4 * Double(c) / Double(n - 1), y = -1 + 2 * Double(r) / Double(m - 1)
            values.append(x * x + 4 * y * y)
        } }
        var figure = SVGFigure(title: "", xLabel: "", yLabel: "", xRange: -2...2, yRange: -1...1)
        figure.contours(values, columns: n, levels: [1], color: "blue")
        let path = figure.svg.components(separatedBy: "stroke=\"blue\" stroke-width=\"1\" d=\"")[1].prefix { $0 != "\"" }
        let numbers = path.split { "ML,".contains($0) }.compactMap { Double($0) }
        #expect(numbers.count > 40)
        for k in stride(from: 0, to: numbers.count - 1, by: 2) {
            // Back from pixels to data units, then the ellipse x^2 + 4 y^2 = 1.
            let x = -2 + (numbers[k] - 64) / 560 * 4, y = -1 + (508 - numbers[k + 1]) / 468 * 2
            #expect(abs(x * x + 4 * y * y - 1) < 0.03, "contour point (\(x), \(y))")
        }
    }
}
