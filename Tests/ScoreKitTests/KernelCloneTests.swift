import Foundation
import Testing
import ScoreKit

/// Every elementwise kernel in every clone this CPU runs (AVX-512, AVX2 and baseline on an
/// AVX-512 machine) against a scalar reference in Double, over random inputs and the edge cases:
/// ±0, values beyond exp's clamp, NaN and ±inf. Sizes are not multiples of any vector width so
/// the remainder loops run too.
@Suite struct KernelCloneTests {
    /// One float's relative rounding: 2^-23.
    static let ulp = Double(Float.ulpOfOne)
    static let specials: [Float] = [0, -0.0, 1e-30, -1e-30, 30, -30, 90, -90, 1000, -1000, .nan, .infinity, -.infinity]

    /// Random normals times `scale`, with `specials` spread over the front when asked.
    static func values(_ count: Int, seed: UInt64, scale: Float = 3, specials: Bool = false) -> [Float] {
        var rng = RandomSource(seed: seed)
        var x = rng.normals(count: count).map { $0 * scale }
        if specials { for (i, s) in Self.specials.enumerated() where 3 * i < count { x[3 * i] = s } }
        return x
    }

    /// `got` agrees with `want` within `bound` (absolute), or both are the same non-finite value
    /// class (NaN with NaN, ±inf with the same infinity).
    static func agree(_ got: Float, _ want: Double, within bound: Double) -> Bool {
        if want.isNaN { return got.isNaN }
        if want.isInfinite { return Double(got) == want }
        return abs(Double(got) - want) <= bound
    }

    /// Runs `check` once per supported clone, and checks that the clone really was in use.
    static func forEachClone(_ check: (InstructionSet) -> Void) {
        #expect(InstructionSet.supported.contains(.baseline))
        for set in InstructionSet.supported {
            let ran = Kernels.using(set) {
                #expect(InstructionSet.active == set)
                check(set)
                return true
            }
            #expect(ran == true, "\(set) is listed as supported but could not be selected")
        }
    }

    @Test func theWidestCloneIsTheDefaultAndEveryOneCanBeForced() {
        #if arch(x86_64)
        #expect(InstructionSet.supported.count >= 2, "an x86-64 CPU with AVX2 at least is expected here")
        #endif
        if ProcessInfo.processInfo.environment["SCOREKIT_ISA"] == nil {
            #expect(InstructionSet.active == InstructionSet.supported.last)
        }
        let other = InstructionSet.supported.first!
        _ = Kernels.using(other) { #expect(InstructionSet.active == other) }
        #expect(InstructionSet.active != other || InstructionSet.supported.count == 1)
    }

    /// The clone that runs is the one asked for, seen in its rounding: s z + n with
    /// s = z = 1 + 2^-12 and n = -(1 + 2^-11) is 2^-24 when fused (AVX2, AVX-512) and 0 when
    /// s z is rounded first (SSE2 has no fused multiply-add).
    @Test func eachCloneRoundsAsItsInstructionSetDoes() {
        let s: [Float] = [1 + 0x1p-12], n: [Float] = [-(1 + 0x1p-11)]
        var gradient: [Float] = [0]
        for set in InstructionSet.supported {
            let squares = Kernels.using(set) {
                Kernels.denoisingResidual(rows: 1, columns: 1, sigma: s, score: s, noise: n, scale: 1, gradient: &gradient)
            }
            #if arch(x86_64)
            #expect(squares == (set == .baseline ? 0 : 0x1p-48), "\(set): residual squared \(String(describing: squares))")
            #endif
        }
    }

    @Test func expIsWithinTwoUlpAndClampsItsEdges() {
        let grid = (0...200_000).map { Float(-87.3 + 175.3 * Double($0) / 200_000) }
        let edges: [Float] = [0, -0.0, -87.33654, 88, -1000, 1000, .infinity, -.infinity, .nan]
        let x = grid + edges
        var out = [Float](repeating: 0, count: x.count)
        Self.forEachClone { set in
            Kernels.exp(count: x.count, x, into: &out)
            var worst = 0.0
            for i in grid.indices { worst = max(worst, abs(Double(out[i]) / Foundation.exp(Double(x[i])) - 1)) }
            #expect(worst < 2e-7, "\(set): worst relative error \(worst)")
            let e = Array(out[grid.count...])
            #expect(e[0] == 1 && e[1] == 1, "\(set): e^±0 = \(e[0]), \(e[1])")
            #expect(e[4] > 0 && e[4] < 1.2e-38 && e[7] == e[4], "\(set): below the clamp \(e[4]), \(e[7])")
            #expect(e[5].isFinite && e[5] > 1.6e38 && e[6] == e[5], "\(set): above the clamp \(e[5]), \(e[6])")
            #expect(e[8].isNaN, "\(set): e^NaN = \(e[8])")
        }
    }

    @Test func biasSiLUMatchesItsDerivativesInDouble() {
        let rows = 5, columns = 37, n = rows * columns
        let pre = Self.values(n, seed: 1, specials: true), bias = Self.values(columns, seed: 2, scale: 0.5)
        Self.forEachClone { set in
            for withCurvature in [false, true] {
                var p = pre, out = [Float](repeating: 9, count: n), slope = out, curvature = out, inference = out
                if withCurvature {
                    Kernels.biasSiLU(rows: rows, columns: columns, pre: &p, bias: bias, out: &out, slope: &slope, curvature: &curvature)
                } else {
                    Kernels.biasSiLU(rows: rows, columns: columns, pre: &p, bias: bias, out: &out, slope: &slope)
                }
                Kernels.biasSiLU(rows: rows, columns: columns, pre: pre, bias: bias, out: &inference)
                for i in 0..<n {
                    let uf = pre[i] + bias[i % columns], u = Double(uf)
                    #expect(p[i].bitPattern == uf.bitPattern || (p[i].isNaN && uf.isNaN), "\(set): pre + bias at \(i)")
                    guard u.isFinite else {
                        // Divergence upstream is never turned into a finite activation.
                        #expect(!out[i].isFinite && !slope[i].isFinite && !inference[i].isFinite, "\(set): non-finite input \(u) at \(i)")
                        continue
                    }
                    let s = 1 / (1 + Foundation.exp(-u))
                    let wantOut = u * s, wantSlope = s * (1 + u * (1 - s)), wantCurvature = s * (1 - s) * (2 + u * (1 - 2 * s))
                    // SiLU to 4 ulp of |u|; the derivatives (bounded by 1.1) to 2e-6: 1 - s cancels for large u.
                    let bound = 4 * Self.ulp * abs(u) + 1e-30
                    #expect(Self.agree(out[i], wantOut, within: bound), "\(set): SiLU(\(u)) = \(out[i]), want \(wantOut)")
                    #expect(Self.agree(inference[i], wantOut, within: bound), "\(set): inference SiLU(\(u)) = \(inference[i])")
                    #expect(Self.agree(slope[i], wantSlope, within: 2e-6), "\(set): SiLU'(\(u)) = \(slope[i]), want \(wantSlope)")
                    if withCurvature {
                        #expect(Self.agree(curvature[i], wantCurvature, within: 2e-6), "\(set): SiLU''(\(u)) = \(curvature[i]), want \(wantCurvature)")
                    } else {
                        #expect(curvature[i] == 9, "\(set): curvature written when not asked for")
                    }
                }
            }
        }
    }

    @Test func tangentKernelsMatchTheirFormulas() {
        let count = 53, blocks = 3
        let slope = Self.values(count, seed: 3), curvature = Self.values(count, seed: 4)
        let tangents = Self.values(count * blocks, seed: 5, specials: true)
        let incoming = Self.values(count * (blocks + 1), seed: 6)
        Self.forEachClone { set in
            var out = [Float](repeating: 0, count: count * blocks)
            Kernels.multiplyBlocks(count: count, blocks: blocks, tangents, by: slope, into: &out)
            for i in out.indices {
                let want = Double(tangents[i]) * Double(slope[i % count])
                #expect(Self.agree(out[i], want, within: Self.ulp * abs(want)), "\(set): block product \(i)")
            }
            var gradient = incoming
            let tpre = Self.values(count * blocks, seed: 7)
            Kernels.siluTangentBackward(count: count, blocks: blocks, gradient: &gradient, tangentPre: tpre, slope: slope, curvature: curvature)
            for i in 0..<count {
                var want = Double(incoming[i]) * Double(slope[i]), magnitude = abs(want)
                for m in 0..<blocks {
                    let term = Double(curvature[i]) * Double(incoming[(m + 1) * count + i]) * Double(tpre[m * count + i])
                    want += term
                    magnitude += abs(term)
                    let wantTangent = Double(incoming[(m + 1) * count + i]) * Double(slope[i])
                    #expect(Self.agree(gradient[(m + 1) * count + i], wantTangent, within: Self.ulp * abs(wantTangent)), "\(set): dL/dtpre_\(m)[\(i)]")
                }
                #expect(Self.agree(gradient[i], want, within: 8 * Self.ulp * magnitude), "\(set): dL/dpre[\(i)] = \(gradient[i]), want \(want)")
            }
        }
    }

    @Test func rowAndElementUpdatesMatchTheirFormulas() {
        let rows = 6, columns = 29, n = rows * columns
        let x = Self.values(n, seed: 8, specials: true), z = Self.values(n, seed: 9), y0 = Self.values(n, seed: 10)
        let bias = Self.values(columns, seed: 11), factors = Self.values(rows, seed: 12)
        Self.forEachClone { set in
            var block = x
            Kernels.addBias(rows: rows, columns: columns, &block, bias: bias)
            for i in 0..<n { #expect(Self.agree(block[i], Double(x[i] + bias[i % columns]), within: 0), "\(set): add bias \(i)") }
            block = x
            Kernels.scaleRows(rows: rows, columns: columns, &block, by: factors)
            for i in 0..<n { #expect(Self.agree(block[i], Double(x[i] * factors[i / columns]), within: 0), "\(set): scale rows \(i)") }
            block = x
            Kernels.multiply(count: n, &block, by: z)
            for i in 0..<n { #expect(Self.agree(block[i], Double(x[i] * z[i]), within: 0), "\(set): multiply \(i)") }
            for c: Float in [0, -0.7] {
                var y = y0
                Kernels.combine(count: n, &y, 0.9, x, 1.3, z, c)
                for i in 0..<n {
                    let terms = [0.9 * Double(y0[i]), 1.3 * Double(x[i]), Double(c) * Double(z[i])]
                    let magnitude = terms.map(abs).reduce(0, +)
                    #expect(Self.agree(y[i], terms.reduce(0, +), within: 3 * Self.ulp * magnitude), "\(set): combine (c = \(c)) \(i): \(y[i])")
                }
            }
            var out = [Float](repeating: 0, count: n)
            Kernels.perturb(rows: rows, columns: columns, alpha: factors, x, sigma: bias, z, into: &out)
            for i in 0..<n {
                let a = Double(factors[i / columns]) * Double(x[i]), b = Double(bias[i / columns]) * Double(z[i])
                #expect(Self.agree(out[i], a + b, within: 2 * Self.ulp * (abs(a) + abs(b))), "\(set): perturb \(i)")
            }
        }
    }

    @Test func averageAndAdamMatchTheirFormulas() {
        let n = 1_237
        let p0 = Self.values(n, seed: 13), g = Self.values(n, seed: 14, specials: false)
        let m0 = Self.values(n, seed: 15, scale: 0.1), v0 = Self.values(n, seed: 16).map { $0 * $0 * 0.01 }
        Self.forEachClone { set in
            var shadow = m0
            Kernels.average(count: n, &shadow, p0, decay: 0.99)
            for i in 0..<n {
                let a = 0.99 * Double(m0[i]), b = Double(Float(1) - 0.99) * Double(p0[i])
                #expect(Self.agree(shadow[i], a + b, within: 3 * Self.ulp * (abs(a) + abs(b))), "\(set): average \(i)")
            }
            var p = p0, m = m0, v = v0
            let (b1, b2, step, root, eps): (Float, Float, Float, Float, Float) = (0.9, 0.999, 1e-3, 0.3, 1e-8)
            Kernels.adam(count: n, parameters: &p, gradients: g, first: &m, second: &v,
                         beta1: b1, beta2: b2, stepSize: step, rootCorrection2: root, epsilon: eps)
            for i in 0..<n {
                let gi = Double(g[i])
                let wantM = Double(b1) * Double(m0[i]) + Double(1 - b1) * gi
                let wantV = Double(b2) * Double(v0[i]) + Double(1 - b2) * gi * gi
                let update = Double(step) * wantM / (wantV.squareRoot() / Double(root) + Double(eps))
                #expect(Self.agree(m[i], wantM, within: 3 * Self.ulp * (abs(Double(b1) * Double(m0[i])) + abs(Double(1 - b1) * gi))), "\(set): first moment \(i)")
                #expect(Self.agree(v[i], wantV, within: 3 * Self.ulp * wantV), "\(set): second moment \(i)")
                // The update to 8 ulp of itself, the subtraction to one ulp of the parameter.
                #expect(Self.agree(p[i], Double(p0[i]) - update, within: 8 * Self.ulp * abs(update) + Self.ulp * abs(Double(p0[i]))),
                        "\(set): parameter \(i): \(p[i]), want \(Double(p0[i]) - update)")
            }
        }
    }

    @Test func sumsAndTheDenoisingResidualMatchDouble() {
        let rows = 7, columns = 45, n = rows * columns
        let x = Self.values(n, seed: 17), score = Self.values(n, seed: 18), sigma = Self.values(rows, seed: 19).map(abs)
        Self.forEachClone { set in
            for count in [0, 1, 15, 16, 17, n] {
                let want = x[..<count].reduce(0.0) { $0 + Double($1) }
                let magnitude = x[..<count].reduce(0.0) { $0 + abs(Double($1)) }
                let got = x.withUnsafeBufferPointer { Kernels.sum(count: count, $0.baseAddress!) }
                #expect(abs(got - want) <= Double(count / 16 + 1) * Self.ulp * magnitude, "\(set): sum of \(count): \(got), want \(want)")
            }
            for accumulate in [false, true] {
                var sums = [Float](repeating: 7, count: columns)
                Kernels.columnSums(rows: rows, columns: columns, x, into: &sums, accumulate: accumulate)
                for c in 0..<columns {
                    let column = (0..<rows).map { Double(x[$0 * columns + c]) }
                    let want = (accumulate ? 7 : 0) + column.reduce(0, +)
                    #expect(Self.agree(sums[c], want, within: Double(rows) * Self.ulp * (7 + column.map(abs).reduce(0, +))),
                            "\(set): column sum \(c) (accumulate \(accumulate))")
                }
            }
            var gradient = [Float](repeating: 0, count: n)
            let total = Kernels.denoisingResidual(rows: rows, columns: columns, sigma: sigma, score: score, noise: x,
                                                  scale: 0.25, gradient: &gradient)
            var want = 0.0
            for i in 0..<n {
                let r = Double(sigma[i / columns]) * Double(score[i]) + Double(x[i])
                let bound = 2 * Self.ulp * (abs(Double(sigma[i / columns]) * Double(score[i])) + abs(Double(x[i])))
                want += r * r
                #expect(Self.agree(gradient[i], 0.25 * Double(sigma[i / columns]) * r, within: 0.25 * Double(sigma[i / columns]) * (bound + Self.ulp * abs(r))),
                        "\(set): DSM gradient \(i)")
            }
            #expect(isClose(total, want, rel: 1e-6), "\(set): sum of squared residuals \(total), want \(want)")
        }
    }

    @Test func normalsFollowBoxMullerOnTheGeneratorsWords() {
        Self.forEachClone { set in
            for count in [1, 2, 127, 1_001] {
                var rng = RandomSource(seed: 21), reference = RandomSource(seed: 21)
                var out = [Float](repeating: .nan, count: count)
                rng.fillNormal(&out, count: count)
                for pair in 0..<((count + 1) / 2) {
                    let u1 = (Double(reference.next() >> 40) + 1) * 0x1p-24, u2 = Double(reference.next() >> 40) * 0x1p-24
                    let r = (-2 * Foundation.log(u1)).squareRoot()
                    let want = [r * cos(2 * Double.pi * u2), r * sin(2 * Double.pi * u2)]
                    for k in 0..<2 where 2 * pair + k < count {
                        #expect(Self.agree(out[2 * pair + k], want[k], within: 6 * Self.ulp * max(r, 1e-3)),
                                "\(set): normal \(2 * pair + k) of \(count): \(out[2 * pair + k]), want \(want[k])")
                    }
                }
                #expect(rng.next() == reference.next(), "\(set): the generator did not advance by two words per pair")
            }
            var rng = RandomSource(seed: 22)
            let draws = rng.normals(count: 200_000).map(Double.init)
            let mean = draws.reduce(0, +) / 200_000, variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 200_000
            #expect(abs(mean) < 0.01 && abs(variance - 1) < 0.01, "\(set): mean \(mean), variance \(variance)")
        }
    }

    @Test func nonFiniteElementsAreCounted() {
        var x = Self.values(301, seed: 23)
        for i in [0, 17, 150, 300] { x[i] = [Float.nan, .infinity, -.infinity, .signalingNaN][[0, 17, 150, 300].firstIndex(of: i)!] }
        x[40] = .greatestFiniteMagnitude
        x[41] = -.leastNonzeroMagnitude
        Self.forEachClone { set in
            #expect(Kernels.countNonFinite(count: x.count, x) == 4, "\(set)")
            #expect(Kernels.countNonFinite(count: 150, x) == 2, "\(set): the first 150")
            #expect(Kernels.countNonFinite(count: 0, x) == 0, "\(set): none")
        }
    }

    @Test func theNarrowLayerMatchesItsProductBiasAndActivation() {
        let rows = 9, outputs = 300, stride = 11  // two column blocks; W wider than the inputs used
        let w = Self.values(outputs * stride, seed: 24, scale: 1), bias = Self.values(outputs, seed: 25, scale: 1)
        Self.forEachClone { set in
            for k in [0, 1, 2, Kernels.narrowInputs] {
                let x = Self.values(rows * k, seed: 26, scale: 1)
                var out = [Float](repeating: .nan, count: rows * outputs)
                Kernels.narrowLinearSiLU(rows: rows, outputs: outputs, inputs: k, x, weights: w, weightStride: stride, bias: bias, into: &out)
                for r in 0..<rows {
                    for o in 0..<outputs {
                        var u = Double(bias[o]), magnitude = abs(u)
                        for j in 0..<k {
                            u += Double(x[r * k + j]) * Double(w[o * stride + j])
                            magnitude += abs(Double(x[r * k + j]) * Double(w[o * stride + j]))
                        }
                        let want = u / (1 + Foundation.exp(-u))
                        // The sum's rounding (k + 1 terms) carried through SiLU (slope at most 1.1), then SiLU's own.
                        let bound = 1.1 * Double(k + 1) * Self.ulp * magnitude + 4 * Self.ulp * abs(u)
                        #expect(Self.agree(out[r * outputs + o], want, within: bound), "\(set): k \(k) row \(r) output \(o): \(out[r * outputs + o]), want \(want)")
                    }
                }
            }
        }
    }

    /// Group norm forward and backward, with and without SiLU, against the formulas in Double:
    /// 45 channels (no vector width divides them) in 3 groups, around a mean of 50.
    @Test func groupNormMatchesItsFormulas() {
        let images = 2, positions = 7, channels = 45, groups = 3, width = 15
        let x = Self.values(images * positions * channels, seed: 27, scale: 2).map { $0 + 50 }
        let gamma = Self.values(channels, seed: 28, scale: 1), beta = Self.values(channels, seed: 29, scale: 1)
        let dy = Self.values(x.count, seed: 30, scale: 1)
        Self.forEachClone { set in
            for activation in [false, true] {
                var y = [Float](repeating: .nan, count: x.count), hat = y, inverse = [Float](repeating: .nan, count: images * groups)
                Kernels.groupNorm(images: images, positions: positions, channels: channels, groups: groups, x, gamma: gamma, beta: beta,
                                  activation: activation, into: &y, normalized: &hat, inverseDeviation: &inverse)
                var dx = [Float](repeating: 1, count: x.count), dGamma = [Float](repeating: .nan, count: images * channels), dBeta = dGamma
                Kernels.groupNormBackward(images: images, positions: positions, channels: channels, groups: groups, dy,
                                          normalized: hat, inverseDeviation: inverse, gamma: gamma, beta: beta, activation: activation,
                                          imageGammaGradients: &dGamma, imageBetaGradients: &dBeta, inputGradient: &dx)
                // Each image's own dgamma and dbeta.
                var wantGamma = [Double](repeating: 0, count: images * channels), wantBeta = wantGamma
                for b in 0..<images {
                    for g in 0..<groups {
                        let at = (0..<positions).flatMap { p in (0..<width).map { (b * positions + p) * channels + g * width + $0 } }
                        let mean = at.reduce(0) { $0 + Double(x[$1]) } / Double(at.count)
                        let r = 1 / (at.reduce(0) { $0 + (Double(x[$1]) - mean) * (Double(x[$1]) - mean) } / Double(at.count) + 1e-5).squareRoot()
                        #expect(abs(Double(inverse[b * groups + g]) - r) <= 1e-4 * r, "\(set): 1/sd \(inverse[b * groups + g]) vs \(r)")
                        // dL/dv through SiLU, then dL/dx_hat = gamma dL/dv, and dx = r (g - mean g - x_hat mean(g x_hat)).
                        var gs: [Double] = [], hats: [Double] = []
                        for i in at {
                            let c = i % channels, h = (Double(x[i]) - mean) * r, v = Double(gamma[c]) * h + Double(beta[c])
                            let s = 1 / (1 + Foundation.exp(-v))
                            let want = activation ? v * s : v
                            #expect(abs(Double(y[i]) - want) <= 1e-4 * (1 + abs(want)), "\(set) silu \(activation): y[\(i)] \(y[i]) vs \(want)")
                            let dv = Double(dy[i]) * (activation ? s * (1 + v * (1 - s)) : 1)
                            wantGamma[b * channels + c] += dv * h
                            wantBeta[b * channels + c] += dv
                            gs.append(dv * Double(gamma[c]))
                            hats.append(h)
                        }
                        let meanG = gs.reduce(0, +) / Double(gs.count)
                        let meanGX = zip(gs, hats).reduce(0) { $0 + $1.0 * $1.1 } / Double(gs.count)
                        for (k, i) in at.enumerated() {
                            let want = 1 + r * (gs[k] - meanG - hats[k] * meanGX)
                            #expect(abs(Double(dx[i]) - want) <= 1e-3 * (1 + abs(want)), "\(set) silu \(activation): dx[\(i)] \(dx[i]) vs \(want)")
                        }
                    }
                }
                for c in 0..<(images * channels) {
                    #expect(abs(Double(dGamma[c]) - wantGamma[c]) <= 1e-3 * (1 + abs(wantGamma[c])), "\(set): dgamma[\(c)]")
                    #expect(abs(Double(dBeta[c]) - wantBeta[c]) <= 1e-3 * (1 + abs(wantBeta[c])), "\(set): dbeta[\(c)]")
                }
            }
        }
    }
}
