import Foundation

/// `UNet`'s passes: every feature map of its graph with its gradient, the norms' statistics, the
/// attention blocks' buffers, the embedding's activations and one scratch for the convolutions'
/// im2col rows or Winograd tiles, allocated once for `capacity` images. A pass runs the graph's steps forward, and
/// backward in reverse, each step adding its inputs' gradients (down to the image's own, dL/dx,
/// when the batch keeps it); nothing is allocated per step.
final class UNetPass: NetworkPass {
    let network: UNet
    let capacity: Int
    var tangentCount: Int { 0 }
    let gradients: FloatBuffer
    private let graph: UNetGraph
    private let values: [FloatBuffer]
    private let mapGradients: [FloatBuffer]
    /// Per norm step: x_hat and 1 / sqrt(var + eps) per image and group.
    private let normalized: [Int: (FloatBuffer, FloatBuffer)]
    private let attention: [Int: SelfAttention.Workspace]
    /// features [capacity, w], then per embedding layer its pre-activation and SiLU ([capacity, E]).
    private let features, embedded0, active0, embedded1, active1: FloatBuffer
    private let dActive1, dEmbedded: FloatBuffer
    /// The convolutions' im2col rows or Winograd tiles (and the norms' per-image sums), and a [capacity, channels]
    /// row per image for the embedding's projections.
    private let scratch, perImage: FloatBuffer
    private let inverseOutputScale: FloatBuffer
    private var images = 0
    /// The last forward's dropout draw, which its backward repeats.
    private var dropoutDraw: Dropout.Draw?
    /// The network's profile with the kind index of each step and of the time embedding in it,
    /// found once per profile.
    private var profileKinds: (profile: LayerProfile, steps: [Int], embedding: Int)?

    init(network: UNet, capacity: Int) {
        precondition(capacity >= 1, "UNetPass: capacity \(capacity)")
        self.network = network
        self.capacity = capacity
        graph = network.graph
        gradients = FloatBuffer(count: graph.parameterCount)
        values = graph.maps.map { FloatBuffer(count: capacity * $0.size) }
        mapGradients = graph.maps.map { FloatBuffer(count: capacity * $0.size) }
        var normalized: [Int: (FloatBuffer, FloatBuffer)] = [:], attention: [Int: SelfAttention.Workspace] = [:]
        var scratchCount = 0, widest = 0
        for (index, step) in graph.steps.enumerated() {
            switch step {
            case let .norm(layer, input, _):
                normalized[index] = (FloatBuffer(count: capacity * graph.maps[input].size), FloatBuffer(count: capacity * layer.groups))
                scratchCount = max(scratchCount, layer.imageSumsCount(images: capacity))
            case let .attention(layer, _, _): attention[index] = SelfAttention.Workspace(layer, capacity: capacity)
            case let .convolution(layer, _, _, _): scratchCount = max(scratchCount, layer.scratchCount(images: capacity))
            case let .embedding(layer, _): widest = max(widest, layer.outputs)
            case .add, .concatenate, .upsample, .dropout: break
            }
        }
        self.normalized = normalized
        self.attention = attention
        let e = graph.embedOut.outputs
        features = FloatBuffer(count: capacity * graph.embedIn.inputs)
        (embedded0, active0, embedded1, active1) = (FloatBuffer(count: capacity * e), FloatBuffer(count: capacity * e),
                                                    FloatBuffer(count: capacity * e), FloatBuffer(count: capacity * e))
        (dActive1, dEmbedded) = (FloatBuffer(count: capacity * e), FloatBuffer(count: capacity * e))
        scratch = FloatBuffer(count: scratchCount)
        perImage = FloatBuffer(count: capacity * widest)
        inverseOutputScale = FloatBuffer(count: capacity)
    }

    /// Floats this pass holds, parameter gradients included.
    var floats: Int {
        let buffers = values + mapGradients + normalized.values.flatMap { [$0.0, $0.1] }
            + [gradients, features, embedded0, active0, embedded1, active1, dActive1, dEmbedded, scratch, perImage, inverseOutputScale]
        let attentionFloats = attention.values.reduce(0) { total, ws in
            total + [ws.normalized, ws.inverseDeviation, ws.h, ws.q, ws.k, ws.v, ws.weights, ws.attended,
                     ws.dh, ws.dq, ws.dk, ws.dv, ws.dAttended, ws.dScores, ws.normSums].reduce(0) { $0 + $1.count }
        }
        return buffers.reduce(0) { $0 + $1.count } + attentionFloats
    }

    func forward(_ batch: NetworkBatch) { run(batch) }

    /// The same pass as `forward`: the U-Net has no cheaper form for rows that share a level.
    func infer(_ batch: NetworkBatch) { run(batch) }

    private func run(_ batch: NetworkBatch) {
        precondition(batch.dimension == network.dimension && batch.tangentCount == 0,
                     "UNetPass: a batch of dimension \(batch.dimension) with \(batch.tangentCount) tangents for \(network.configuration)")
        precondition(batch.rows <= capacity, "UNetPass: \(batch.rows) rows in a pass of capacity \(capacity)")
        let n = batch.rows, d = batch.dimension, p = UnsafePointer(network.parameters.pointer)
        images = n
        dropoutDraw = batch.dropout
        let profile = network.profile, kinds = profile.map(kinds(in:))
        var clock = profile == nil ? 0 : Stopwatch.now()
        let sign: Float = network.configuration.parameterisation == .score ? 1 : -1
        for i in 0..<n { inverseOutputScale[i] = sign / batch.outputScale[i] }
        embed(batch, parameters: p)
        if let profile, let kinds { clock = lap(profile, kinds.embedding, since: clock, backward: false) }
        values[0].pointer.update(from: batch.points.pointer, count: n * d)
        for (index, step) in graph.steps.enumerated() {
            switch step {
            case let .convolution(layer, input, output, _):
                layer.forward(images: n, input: values[input].pointer, parameters: p, output: values[output].pointer, scratch: scratch.pointer)
            case let .norm(layer, input, output):
                let (hat, deviation) = normalized[index]!
                layer.forward(images: n, positions: positions(input), input: values[input].pointer, parameters: p,
                              output: values[output].pointer, normalized: hat.pointer, inverseDeviation: deviation.pointer)
            case let .embedding(layer, map):
                layer.multiply(batch: n, input: active1.pointer, parameters: p, output: perImage.pointer)
                Kernels.addBias(rows: n, columns: layer.outputs, perImage.pointer, bias: p + layer.biasOffset)
                let count = positions(map), c = layer.outputs
                Parallel.forEachRange(n, grain: Parallel.elementGrain / (count * c)) { images in
                    for b in images {
                        Kernels.addBias(rows: count, columns: c, values[map].pointer + b * count * c, bias: perImage.pointer + b * c)
                    }
                }
            case let .add(first, second, output):
                let (y, u, v) = (values[output].pointer, values[first].pointer, values[second].pointer)
                Parallel.forEachRange(n * graph.maps[output].size, grain: Parallel.elementGrain) { range in
                    (y + range.lowerBound).update(from: u + range.lowerBound, count: range.count)
                    Kernels.combine(count: range.count, y + range.lowerBound, 1, v + range.lowerBound, 1, v + range.lowerBound, 0)
                }
            case let .concatenate(first, second, output):
                let (a, b) = (graph.maps[first].channels, graph.maps[second].channels)
                let (y, u, v) = (values[output].pointer, values[first].pointer, values[second].pointer)
                Parallel.forEachRange(n * positions(output), grain: Parallel.elementGrain / (a + b)) { rows in
                    for r in rows {
                        (y + r * (a + b)).update(from: u + r * a, count: a)
                        (y + r * (a + b) + a).update(from: v + r * b, count: b)
                    }
                }
            case let .upsample(layer, input, output):
                layer.forward(images: n, input: values[input].pointer, output: values[output].pointer)
            case let .attention(layer, input, output):
                layer.forward(images: n, input: values[input].pointer, parameters: p, output: values[output].pointer,
                              workspace: attention[index]!)
            case let .dropout(layer, input, output):
                layer.forward(images: n, input: values[input].pointer, output: values[output].pointer, draw: dropoutDraw)
            }
            if let profile, let kinds { clock = lap(profile, kinds.steps[index], since: clock, backward: false) }
        }
        batch.score.pointer.update(from: values[values.count - 1].pointer, count: n * d)
        Kernels.scaleRows(rows: n, columns: d, batch.score.pointer, by: inverseOutputScale.pointer)
    }

    /// The embedding MLP: features -> Linear -> SiLU -> Linear -> SiLU, whose output every residual
    /// block projects to its channels.
    private func embed(_ batch: NetworkBatch, parameters p: UnsafePointer<Float>) {
        let n = batch.rows, w = graph.embedIn.inputs, e = graph.embedOut.outputs
        for i in 0..<n {
            network.configuration.conditioning.features(sigma: batch.sigma[i], time: batch.time[i], into: features.pointer + i * w)
        }
        graph.embedIn.multiply(batch: n, input: features.pointer, parameters: p, output: embedded0.pointer)
        Kernels.addBias(rows: n, columns: e, embedded0.pointer, bias: p + graph.embedIn.biasOffset)
        silu(embedded0, into: active0, count: n * e)
        graph.embedOut.multiply(batch: n, input: active0.pointer, parameters: p, output: embedded1.pointer)
        Kernels.addBias(rows: n, columns: e, embedded1.pointer, bias: p + graph.embedOut.biasOffset)
        silu(embedded1, into: active1, count: n * e)
    }

    func backward(_ batch: NetworkBatch) {
        let n = images, d = network.dimension, p = UnsafePointer(network.parameters.pointer), g = gradients.pointer
        for (map, gradient) in zip(graph.maps, mapGradients) {
            Parallel.forEachRange(n * map.size, grain: Parallel.elementGrain) { range in
                (gradient.pointer + range.lowerBound).update(repeating: 0, count: range.count)
            }
        }
        dActive1.fill(0)
        let last = mapGradients[mapGradients.count - 1].pointer
        last.update(from: batch.scoreGradient.pointer, count: n * d)
        Kernels.scaleRows(rows: n, columns: d, last, by: inverseOutputScale.pointer)
        let profile = network.profile, kinds = profile.map(kinds(in:))
        var clock = profile == nil ? 0 : Stopwatch.now()
        for (index, step) in graph.steps.enumerated().reversed() {
            switch step {
            case let .convolution(layer, input, output, _):
                layer.backward(images: n, input: values[input].pointer, outputGradient: mapGradients[output].pointer, parameters: p,
                               gradients: g, inputGradient: input == 0 && !batch.keepsPointsGradient ? nil : mapGradients[input].pointer,
                               scratch: scratch.pointer)
            case let .norm(layer, input, output):
                let (hat, deviation) = normalized[index]!
                layer.backward(images: n, positions: positions(input), outputGradient: mapGradients[output].pointer,
                               normalized: hat.pointer, inverseDeviation: deviation.pointer, parameters: p, gradients: g,
                               inputGradient: mapGradients[input].pointer, imageSums: scratch.pointer)
            case let .embedding(layer, map):
                let count = positions(map), c = layer.outputs, dy = mapGradients[map].pointer
                Parallel.forEachRange(n, grain: Parallel.elementGrain / (count * c)) { images in
                    for b in images { Kernels.columnSums(rows: count, columns: c, dy + b * count * c, into: perImage.pointer + b * c) }
                }
                layer.backward(batch: n, biasRows: n, input: active1.pointer, outputGradient: perImage.pointer, parameters: p,
                               gradients: g, inputGradient: dActive1.pointer, accumulate: false, addsInputGradient: true)
            case let .add(first, second, output):
                let (dy, du, dv) = (mapGradients[output].pointer, mapGradients[first].pointer, mapGradients[second].pointer)
                Parallel.forEachRange(n * graph.maps[output].size, grain: Parallel.elementGrain) { range in
                    let at = range.lowerBound
                    Kernels.combine(count: range.count, du + at, 1, dy + at, 1, dy + at, 0)
                    Kernels.combine(count: range.count, dv + at, 1, dy + at, 1, dy + at, 0)
                }
            case let .concatenate(first, second, output):
                let (a, b) = (graph.maps[first].channels, graph.maps[second].channels)
                let (dy, du, dv) = (mapGradients[output].pointer, mapGradients[first].pointer, mapGradients[second].pointer)
                Parallel.forEachRange(n * positions(output), grain: Parallel.elementGrain / (a + b)) { rows in
                    for r in rows {
                        let row = dy + r * (a + b)
                        Kernels.combine(count: a, du + r * a, 1, row, 1, row, 0)
                        Kernels.combine(count: b, dv + r * b, 1, row + a, 1, row + a, 0)
                    }
                }
            case let .upsample(layer, input, output):
                layer.backward(images: n, outputGradient: mapGradients[output].pointer, inputGradient: mapGradients[input].pointer)
            case let .attention(layer, input, output):
                layer.backward(images: n, outputGradient: mapGradients[output].pointer, parameters: p, gradients: g,
                               inputGradient: mapGradients[input].pointer, workspace: attention[index]!)
            case let .dropout(layer, input, output):
                layer.backward(images: n, outputGradient: mapGradients[output].pointer, inputGradient: mapGradients[input].pointer,
                               draw: dropoutDraw)
            }
            if let profile, let kinds { clock = lap(profile, kinds.steps[index], since: clock, backward: true) }
        }
        let e = graph.embedOut.outputs
        siluBackward(dActive1, at: embedded1, into: dEmbedded, count: n * e)
        graph.embedOut.backward(batch: n, biasRows: n, input: active0.pointer, outputGradient: dEmbedded.pointer, parameters: p,
                                gradients: g, inputGradient: dActive1.pointer, accumulate: false)
        siluBackward(dActive1, at: embedded0, into: dEmbedded, count: n * e)
        graph.embedIn.backward(batch: n, biasRows: n, input: features.pointer, outputGradient: dEmbedded.pointer, parameters: p,
                               gradients: g, inputGradient: nil, accumulate: false)
        if let profile, let kinds { _ = lap(profile, kinds.embedding, since: clock, backward: true) }
        if batch.keepsPointsGradient { batch.pointsGradient.pointer.update(from: mapGradients[0].pointer, count: n * d) }
    }

    private func kinds(in profile: LayerProfile) -> (steps: [Int], embedding: Int) {
        if let found = profileKinds, found.profile === profile { return (found.steps, found.embedding) }
        let steps = graph.steps.map { step -> Int in
            switch step {
            case let .convolution(layer, _, _, _): return profile.index(layer.kind)
            case .norm: return profile.index("norm")
            case .embedding: return profile.index("embedding")
            case .add: return profile.index("add")
            case .concatenate: return profile.index("concatenate")
            case .upsample: return profile.index("upsample")
            case .attention: return profile.index("attention")
            case .dropout: return profile.index("dropout")
            }
        }
        let embedding = profile.index("embedding")
        profileKinds = (profile, steps, embedding)
        return (steps, embedding)
    }

    /// Records the seconds since `start` for `kind`; returns the time now, the next step's start.
    private func lap(_ profile: LayerProfile, _ kind: Int, since start: Double, backward: Bool) -> Double {
        let now = Stopwatch.now()
        profile.record(kind, seconds: now - start, backward: backward)
        return now
    }

    private func positions(_ map: Int) -> Int { graph.maps[map].height * graph.maps[map].width }

    private func silu(_ x: FloatBuffer, into y: FloatBuffer, count: Int) {
        for i in 0..<count { y[i] = x[i] / (1 + expf(-x[i])) }
    }

    /// dx = dy * SiLU'(x), SiLU'(x) = s (1 + x (1 - s)) with s = sigma(x).
    private func siluBackward(_ dy: FloatBuffer, at x: FloatBuffer, into dx: FloatBuffer, count: Int) {
        for i in 0..<count {
            let s = 1 / (1 + expf(-x[i]))
            dx[i] = dy[i] * s * (1 + x[i] * (1 - s))
        }
    }
}
