import Foundation
import Testing
import ScoreKit

/// The U-Net's layers: each forward pass against a direct computation from its definition, and
/// each backward pass (every parameter and every input) against central finite differences of
/// L = sum(c * y) for a random c, on odd sizes, both strides, both kernel sides and batches that
/// the convolution splits into chunks.
@Suite struct LayerGradientTests {
    /// A layer's forward and backward on flat arrays: y(theta, x), and (dL/dtheta, dL/dx) for dL/dy = c.
    struct Layer {
        let parameterCount: Int
        let forward: (_ parameters: [Float], _ x: [Float]) -> [Float]
        let backward: (_ parameters: [Float], _ x: [Float], _ c: [Float]) -> (parameters: [Float], input: [Float])
    }

    /// Checks `indices` of the parameters and of x (every one by default) against central
    /// differences with step 1e-2 (the layers below are linear or smooth at that scale, and a
    /// larger step keeps Float rounding of L small beside the difference).
    func expectGradients(_ layer: Layer, parameters: [Float], x: [Float], seed: UInt64, label: String,
                         parameterIndices: [Int]? = nil, inputIndices: [Int]? = nil, nonTrivialShare: Double = 0.5) {
        var rng = RandomSource(seed: seed)
        let y = layer.forward(parameters, x)
        let c = rng.normals(count: y.count)
        let (dTheta, dx) = layer.backward(parameters, x, c)
        func loss(_ p: [Float], _ x: [Float]) -> Double {
            zip(layer.forward(p, x), c).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let h: Float = 1e-2
        var nonTrivial = 0
        for i in parameterIndices ?? Array(0..<parameters.count) {
            var up = parameters, down = parameters
            up[i] += h; down[i] -= h
            let numeric = (loss(up, x) - loss(down, x)) / (2 * Double(h))
            #expect(isClose(Double(dTheta[i]), numeric, rel: 1e-2, abs: 2e-3), "\(label) dL/dtheta[\(i)]: \(dTheta[i]) vs \(numeric)")
            if abs(numeric) > 1e-2 { nonTrivial += 1 }
        }
        for i in inputIndices ?? Array(0..<x.count) {
            var up = x, down = x
            up[i] += h; down[i] -= h
            let numeric = (loss(parameters, up) - loss(parameters, down)) / (2 * Double(h))
            #expect(isClose(Double(dx[i]), numeric, rel: 1e-2, abs: 2e-3), "\(label) dL/dx[\(i)]: \(dx[i]) vs \(numeric)")
            if abs(numeric) > 1e-2 { nonTrivial += 1 }
        }
        let checked = (parameterIndices?.count ?? parameters.count) + (inputIndices?.count ?? x.count)
        #expect(Double(nonTrivial) > nonTrivialShare * Double(checked),
                "\(label): too few non-trivial gradients for a real check")
    }

    func convolutionLayer(_ conv: Convolution, images: Int) -> Layer {
        let outputCount = images * conv.outputHeight * conv.outputWidth * conv.outputs
        return Layer(parameterCount: conv.parameterCount, forward: { p, x in
            var y = [Float](repeating: 0, count: outputCount), scratch = [Float](repeating: 0, count: max(1, conv.scratchCount(images: images)))
            conv.forward(images: images, input: x, parameters: p, output: &y, scratch: &scratch)
            return y
        }, backward: { p, x, c in
            // dL/dx is added to what the buffer holds (a residual or skip path's gradient): start from 1.
            var g = [Float](repeating: 0, count: p.count), dx = [Float](repeating: 1, count: x.count)
            var scratch = [Float](repeating: 0, count: max(1, conv.scratchCount(images: images)))
            conv.backward(images: images, input: x, outputGradient: c, parameters: p, gradients: &g, inputGradient: &dx, scratch: &scratch)
            return (g, dx.map { $0 - 1 })
        })
    }

    /// y[b, oy, ox, o] = b_o + sum over c, ky, kx of W[o, c, ky, kx] x[b, s oy + ky - k/2, s ox + kx - k/2, c].
    func directConvolution(_ conv: Convolution, images: Int, parameters p: [Float], x: [Float]) -> [Float] {
        let k = conv.kernel, (ho, wo) = (conv.outputHeight, conv.outputWidth)
        var y = [Float](repeating: 0, count: images * ho * wo * conv.outputs)
        for b in 0..<images {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    for o in 0..<conv.outputs {
                        var sum = Double(p[conv.biasOffset + o])
                        for c in 0..<conv.inputs {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = conv.stride * oy + ky - k / 2, ix = conv.stride * ox + kx - k / 2
                                    guard iy >= 0 && iy < conv.height && ix >= 0 && ix < conv.width else { continue }
                                    sum += Double(p[conv.offset + ((o * conv.inputs + c) * k + ky) * k + kx])
                                        * Double(x[((b * conv.height + iy) * conv.width + ix) * conv.inputs + c])
                                }
                            }
                        }
                        y[((b * ho + oy) * wo + ox) * conv.outputs + o] = Float(sum)
                    }
                }
            }
        }
        return y
    }

    @Test(arguments: [(3, 1), (3, 2), (1, 1), (1, 2)])
    func convolutionMatchesItsDefinitionAndFiniteDifferences(kernel: Int, stride: Int) {
        var rng = RandomSource(seed: UInt64(10 * kernel + stride))
        // Odd sides: the stride-2 output keeps the last row and column, which pad on one side only.
        let conv = Convolution(inputs: 3, outputs: 4, kernel: kernel, stride: stride, height: 5, width: 7, offset: 2)
        let images = 2
        let p = rng.normals(count: conv.parameterCount + 2), x = rng.normals(count: images * 5 * 7 * 3)
        let layer = convolutionLayer(conv, images: images)
        let y = layer.forward(p, x), direct = directConvolution(conv, images: images, parameters: p, x: x)
        #expect(conv.outputHeight == (stride == 1 ? 5 : 3) && conv.outputWidth == (stride == 1 ? 7 : 4))
        for i in y.indices { #expect(isClose(Double(y[i]), Double(direct[i]), rel: 1e-5, abs: 1e-5), "y[\(i)]") }
        expectGradients(layer, parameters: p, x: x, seed: 3, label: "conv k\(kernel) s\(stride)",
                        parameterIndices: Array(2..<(conv.parameterCount + 2)),
                        // A 1x1 kernel at stride 2 reads 12 of the 35 positions; the others' gradients are 0.
                        nonTrivialShare: kernel == 1 && stride == 2 ? 0.25 : 0.5)
    }

    /// 40 x 40 images make 1,600 positions: two images a chunk, so three images take two chunks
    /// and the weight gradient sums over both.
    @Test func convolutionOverSeveralChunksMatches() {
        var rng = RandomSource(seed: 4)
        let conv = Convolution(inputs: 2, outputs: 3, height: 40, width: 40, offset: 0)
        let images = 3
        let p = rng.normals(count: conv.parameterCount), x = rng.normals(count: images * 1600 * 2)
        let layer = convolutionLayer(conv, images: images)
        let y = layer.forward(p, x), direct = directConvolution(conv, images: images, parameters: p, x: x)
        for i in stride(from: 0, to: y.count, by: 7) { #expect(isClose(Double(y[i]), Double(direct[i]), rel: 1e-4, abs: 1e-4), "y[\(i)]") }
        var pick = RandomSource(seed: 5)
        expectGradients(layer, parameters: p, x: x, seed: 6, label: "chunked conv",
                        parameterIndices: Array(0..<conv.parameterCount),
                        inputIndices: (0..<40).map { _ in Int(pick.next() % UInt64(x.count)) })
    }

    /// Winograd's tiles with more channels than the transforms' 64-float block, in and out, on
    /// an odd-sided map: y against the definition, dL/dW and dL/dx against finite differences;
    /// and, the transforms being additions only, the same bytes in every clone.
    @Test func winogradTilesPastOneChannelBlockMatchInEveryClone() {
        var rng = RandomSource(seed: 31)
        let conv = Convolution(inputs: 67, outputs: 66, height: 3, width: 5, offset: 0)
        let images = 2
        let p = rng.normals(count: conv.parameterCount).map { $0 * 0.1 }, x = rng.normals(count: images * 15 * 67)
        let layer = convolutionLayer(conv, images: images)
        let y = layer.forward(p, x), direct = directConvolution(conv, images: images, parameters: p, x: x)
        for i in y.indices { #expect(isClose(Double(y[i]), Double(direct[i]), rel: 1e-5, abs: 1e-5), "y[\(i)]") }
        var pick = RandomSource(seed: 32)
        expectGradients(layer, parameters: p, x: x, seed: 33, label: "conv past one block",
                        parameterIndices: (0..<40).map { _ in Int(pick.next() % UInt64(conv.parameterCount)) },
                        inputIndices: (0..<40).map { _ in Int(pick.next() % UInt64(x.count)) })
        let c = rng.normals(count: y.count)
        let runs = InstructionSet.supported.compactMap { set in
            Kernels.using(set) { (y: layer.forward(p, x), gradients: layer.backward(p, x, c)) }
        }
        #expect(runs.count == InstructionSet.supported.count)
        for (set, run) in zip(InstructionSet.supported, runs) {
            #expect(run.y == runs[0].y && run.gradients.parameters == runs[0].gradients.parameters
                    && run.gradients.input == runs[0].gradients.input, "\(set): other bytes than \(InstructionSet.supported[0])")
        }
    }

    func normLayer(_ norm: GroupNormalization, images: Int, positions: Int) -> Layer {
        Layer(parameterCount: norm.parameterCount, forward: { p, x in
            var y = [Float](repeating: 0, count: x.count), hat = y, deviation = [Float](repeating: 0, count: images * norm.groups)
            norm.forward(images: images, positions: positions, input: x, parameters: p, output: &y, normalized: &hat, inverseDeviation: &deviation)
            return y
        }, backward: { p, x, c in
            var y = [Float](repeating: 0, count: x.count), hat = y, deviation = [Float](repeating: 0, count: images * norm.groups)
            norm.forward(images: images, positions: positions, input: x, parameters: p, output: &y, normalized: &hat, inverseDeviation: &deviation)
            var g = [Float](repeating: 0, count: p.count), dx = [Float](repeating: 0, count: x.count)
            var sums = [Float](repeating: .nan, count: norm.imageSumsCount(images: images))
            norm.backward(images: images, positions: positions, outputGradient: c, normalized: hat, inverseDeviation: deviation,
                          parameters: p, gradients: &g, inputGradient: &dx, imageSums: &sums)
            return (g, dx)
        })
    }

    @Test(arguments: [false, true])
    func groupNormMatchesItsDefinitionAndFiniteDifferences(activation: Bool) {
        var rng = RandomSource(seed: activation ? 7 : 8)
        let norm = GroupNormalization(channels: 6, groups: 3, activation: activation, offset: 0)
        let images = 2, positions = 5
        // A large common offset: the two-pass variance keeps the small spread.
        let x = rng.normals(count: images * positions * 6).map { 100 + $0 }
        let p = rng.normals(count: norm.parameterCount)
        let layer = normLayer(norm, images: images, positions: positions)
        let y = layer.forward(p, x)
        for b in 0..<images {
            for g in 0..<3 {
                var values: [Double] = []
                for q in 0..<positions { for j in 0..<2 { values.append(Double(x[(b * positions + q) * 6 + 2 * g + j])) } }
                let mean = values.reduce(0, +) / Double(values.count)
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
                for q in 0..<positions {
                    for j in 0..<2 {
                        let c = 2 * g + j, at = (b * positions + q) * 6 + c
                        let v = Double(p[c]) * (Double(x[at]) - mean) / (variance + 1e-5).squareRoot() + Double(p[6 + c])
                        let expected = activation ? v / (1 + exp(-v)) : v
                        #expect(isClose(Double(y[at]), expected, rel: 1e-4, abs: 1e-4), "y[\(at)]: \(y[at]) vs \(expected)")
                    }
                }
            }
        }
        // Around an offset of 100 a step of 1e-2 is lost to Float rounding: check the gradients at offset 0.
        expectGradients(layer, parameters: p, x: x.map { $0 - 100 }, seed: 9, label: "group norm")
    }

    @Test func upsamplingCopiesEachPositionFourTimes() {
        var rng = RandomSource(seed: 10)
        let up = NearestUpsampling(channels: 2, height: 3, width: 2)
        let x = rng.normals(count: 2 * 3 * 2 * 2)
        let layer = Layer(parameterCount: 0, forward: { _, x in
            var y = [Float](repeating: 0, count: 4 * x.count)
            up.forward(images: 2, input: x, output: &y)
            return y
        }, backward: { _, x, c in
            var dx = [Float](repeating: 0, count: x.count)
            up.backward(images: 2, outputGradient: c, inputGradient: &dx)
            return ([], dx)
        })
        let y = layer.forward([], x)
        // Image 1, output (5, 3), channel 1 copies input (2, 1).
        let copied: Float = y[(((6 + 5) * 4) + 3) * 2 + 1], source: Float = x[(((3 + 2) * 2) + 1) * 2 + 1]
        #expect(copied == source)
        expectGradients(layer, parameters: [], x: x, seed: 11, label: "upsampling")
    }

    /// Dropout at rate 0.3: each value is 0 or x / 0.7, about 30% of 24,000 dropped (within 4
    /// standard deviations), its backward the same mask (finite differences), the identity without
    /// a draw, and the same bytes whether four images pass at once or as two pairs with their
    /// rows' offsets in the minibatch (as two ranks compute them), on 1 and 3 threads.
    @Test func dropoutDropsItsShareAndRepeatsItsMaskBackward() {
        var rng = RandomSource(seed: 12)
        let dropout = Dropout(rate: 0.3, size: 6_000), images = 4, draw = Dropout.Draw(seed: 77, firstRow: 0)
        let x = rng.normals(count: images * dropout.size).map { $0 + 3 }
        func run(_ draw: Dropout.Draw?, images: Int, _ x: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: x.count)
            dropout.forward(images: images, input: x, output: &y, draw: draw)
            return y
        }
        let y = run(draw, images: images, x)
        let dropped = y.filter { $0 == 0 }.count, expected = 0.3 * Double(y.count)
        #expect(abs(Double(dropped) - expected) < 4 * (expected * 0.7).squareRoot(), "\(dropped) of \(y.count) dropped")
        #expect(zip(y, x).allSatisfy { $0 == 0 || $0 == $1 * (1 / 0.7) })
        #expect(run(nil, images: images, x) == x)
        #expect(run(Dropout.Draw(seed: 78, firstRow: 0), images: images, x) != y)
        let saved = BLAS.threadCount
        defer { BLAS.threadCount = saved }
        for threads in [1, 3] {
            BLAS.threadCount = threads
            let half = images / 2 * dropout.size
            let pairs = run(Dropout.Draw(seed: 77, firstRow: 0), images: 2, Array(x[..<half]))
                + run(Dropout.Draw(seed: 77, firstRow: 2), images: 2, Array(x[half...]))
            #expect(pairs == y && run(draw, images: images, x) == y, "\(threads) threads")
        }
        let small = Dropout(rate: 0.3, size: 40)
        let layer = Layer(parameterCount: 0, forward: { _, x in
            var y = [Float](repeating: 0, count: x.count)
            small.forward(images: 2, input: x, output: &y, draw: draw)
            return y
        }, backward: { _, x, c in
            var dx = [Float](repeating: 0.5, count: x.count)
            small.backward(images: 2, outputGradient: c, inputGradient: &dx, draw: draw)
            return ([], dx.map { $0 - 0.5 })
        })
        expectGradients(layer, parameters: [], x: Array(x[..<80]), seed: 13, label: "dropout", nonTrivialShare: 0.4)
    }

    @Test func attentionMatchesItsDefinitionAndFiniteDifferences() {
        var rng = RandomSource(seed: 12)
        let c = 4, positions = 6, images = 2
        let attention = SelfAttention(channels: c, positions: positions, groups: 2, offset: 0)
        let p = rng.normals(count: attention.parameterCount).map { $0 * 0.7 }, x = rng.normals(count: images * positions * c)
        let layer = Layer(parameterCount: attention.parameterCount, forward: { p, x in
            var y = [Float](repeating: 0, count: x.count)
            attention.forward(images: images, input: x, parameters: p, output: &y, workspace: .init(attention, capacity: images))
            return y
        }, backward: { p, x, dy in
            let ws = SelfAttention.Workspace(attention, capacity: images)
            var y = [Float](repeating: 0, count: x.count), g = [Float](repeating: 0, count: p.count), dx = y
            attention.forward(images: images, input: x, parameters: p, output: &y, workspace: ws)
            attention.backward(images: images, outputGradient: dy, parameters: p, gradients: &g, inputGradient: &dx, workspace: ws)
            return (g, dx)
        })
        // y = x + softmax(Q K^T / sqrt(C)) V W_o^T + b_o, from the normalised rows, in Double.
        let normed = normLayer(attention.norm, images: images, positions: positions).forward(p, x)
        func project(_ linear: Linear, _ row: Int) -> [Double] {
            (0..<c).map { o in
                var sum = Double(p[linear.biasOffset + o])
                for j in 0..<c { sum += Double(p[linear.offset + o * c + j]) * Double(normed[row * c + j]) }
                return sum
            }
        }
        let y = layer.forward(p, x)
        for b in 0..<images {
            let rows = (0..<positions).map { b * positions + $0 }
            let q = rows.map { project(attention.query, $0) }, k = rows.map { project(attention.key, $0) }, v = rows.map { project(attention.value, $0) }
            for i in 0..<positions {
                let scores = (0..<positions).map { j in zip(q[i], k[j]).reduce(0) { $0 + $1.0 * $1.1 } / Double(c).squareRoot() }
                let top = scores.max()!, weights = scores.map { exp($0 - top) }, total = weights.reduce(0, +)
                var mixed = [Double](repeating: 0, count: c)
                for j in 0..<positions { for ch in 0..<c { mixed[ch] += weights[j] / total * v[j][ch] } }
                for o in 0..<c {
                    var expected = Double(x[rows[i] * c + o]) + Double(p[attention.projection.biasOffset + o])
                    for ch in 0..<c { expected += Double(p[attention.projection.offset + o * c + ch]) * mixed[ch] }
                    #expect(isClose(Double(y[rows[i] * c + o]), expected, rel: 1e-4, abs: 1e-4), "y[\(rows[i]), \(o)]")
                }
            }
        }
        expectGradients(layer, parameters: p, x: x, seed: 13, label: "attention")
    }
}
