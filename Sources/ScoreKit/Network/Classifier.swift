import Foundation

/// A multilayer perceptron classifier p(y | x) = softmax(f(x)), with f a chain of
/// `Linear -> SiLU` layers and a last `Linear` to one logit per class; the engine's image
/// quality measures read its class probabilities and its penultimate activations (features).
///
/// Parameters are one flat buffer laid out like `ScoreMLP`'s (W [out, in] then b per layer).
public final class Classifier {
    /// Widths from input to output: [d, H_1, ..., H_L, classes].
    public let sizes: [Int]
    public let layers: [Linear]
    public let parameters: FloatBuffer

    public var classCount: Int { sizes.last! }
    public var featureWidth: Int { sizes[sizes.count - 2] }

    static func layers(_ sizes: [Int]) -> [Linear] {
        precondition(sizes.count >= 3 && sizes.allSatisfy { $0 >= 1 } && sizes.last! >= 2, "Classifier: widths \(sizes)")
        var offset = 0
        return (1..<sizes.count).map { l in
            defer { offset += sizes[l] * sizes[l - 1] + sizes[l] }
            return Linear(inputs: sizes[l - 1], outputs: sizes[l], offset: offset)
        }
    }

    /// A classifier initialised like PyTorch's `nn.Linear`.
    public init(sizes: [Int], rng: inout RandomSource) {
        self.sizes = sizes
        layers = Self.layers(sizes)
        parameters = FloatBuffer(count: layers.reduce(0) { $0 + $1.parameterCount })
        for layer in layers { layer.initialize(parameters.pointer, rng: &rng) }
    }

    /// A classifier with the given flat parameters.
    public init(sizes: [Int], parameters values: [Float]) {
        self.sizes = sizes
        layers = Self.layers(sizes)
        precondition(values.count == layers.reduce(0) { $0 + $1.parameterCount }, "Classifier: \(values.count) parameters for widths \(sizes)")
        parameters = FloatBuffer(values)
    }

    /// Logits (`workspace.logits`) for `batch` rows of x, keeping what `backward` needs.
    package func forward(x: UnsafePointer<Float>, batch: Int, workspace ws: ClassifierWorkspace) {
        precondition(ws.sizes == sizes && batch <= ws.capacity, "Classifier.forward: workspace for \(ws.sizes) x \(ws.capacity)")
        ws.batch = batch
        let p = UnsafePointer(parameters.pointer)
        var previous = x
        for l in 0..<(layers.count - 1) {
            layers[l].multiply(batch: batch, input: previous, parameters: p, output: ws.preActivations[l].pointer)
            Kernels.biasSiLU(rows: batch, columns: sizes[l + 1], pre: ws.preActivations[l].pointer,
                             bias: p + layers[l].biasOffset, out: ws.activations[l].pointer, slope: ws.slopes[l].pointer)
            previous = UnsafePointer(ws.activations[l].pointer)
        }
        let last = layers[layers.count - 1]
        last.multiply(batch: batch, input: previous, parameters: p, output: ws.logits.pointer)
        Kernels.addBias(rows: batch, columns: classCount, ws.logits.pointer, bias: p + last.biasOffset)
    }

    /// The mean cross-entropy -1/B sum_i log p(y_i | x_i) of the last forward's rows, with its
    /// gradient written to `workspace.gradients` (dL/dlogits = (softmax - onehot) / B).
    package func crossEntropyBackward(x: UnsafePointer<Float>, labels: UnsafePointer<Int32>, workspace ws: ClassifierWorkspace) -> Double {
        let batch = ws.batch, k = classCount
        let g = ws.logitGradient.pointer
        var loss = 0.0
        for i in 0..<batch {
            let row = ws.logits.pointer + i * k, out = g + i * k
            var top = row[0]
            for c in 1..<k { top = max(top, row[c]) }
            var total: Float = 0
            for c in 0..<k { out[c] = expf(row[c] - top); total += out[c] }
            let label = Int(labels[i])
            loss -= Double(row[label] - top) - Double(logf(total))
            for c in 0..<k { out[c] = out[c] / total / Float(batch) }
            out[label] -= 1 / Float(batch)
        }
        let p = UnsafePointer(parameters.pointer)
        var (current, spare) = ws.hiddenGradients
        let hidden = layers.count - 1
        layers[hidden].backward(batch: batch, biasRows: batch, input: ws.activations[hidden - 1].pointer, outputGradient: g,
                                parameters: p, gradients: ws.gradients.pointer, inputGradient: current.pointer, accumulate: false)
        for l in stride(from: hidden - 1, through: 0, by: -1) {
            Kernels.multiply(count: batch * sizes[l + 1], current.pointer, by: ws.slopes[l].pointer)
            layers[l].backward(batch: batch, biasRows: batch, input: l == 0 ? x : UnsafePointer(ws.activations[l - 1].pointer),
                               outputGradient: current.pointer, parameters: p, gradients: ws.gradients.pointer,
                               inputGradient: l == 0 ? nil : spare.pointer, accumulate: false)
            swap(&current, &spare)
        }
        return loss / Double(batch)
    }

    /// Class probabilities ([N, classes]) and penultimate activations ([N, featureWidth]) of every row of `x`.
    public func evaluate(_ x: Matrix) -> (probabilities: Matrix, features: Matrix) {
        precondition(x.columns == sizes[0], "Classifier.evaluate: rows of \(x.columns) values, the classifier reads \(sizes[0])")
        let chunk = max(1, min(512, x.rows))
        let ws = ClassifierWorkspace(sizes: sizes, capacity: chunk)
        var probabilities = Matrix(rows: x.rows, columns: classCount), features = Matrix(rows: x.rows, columns: featureWidth)
        let k = classCount, h = featureWidth
        x.elements.withUnsafeBufferPointer { input in
            for start in stride(from: 0, to: x.rows, by: chunk) {
                let n = min(chunk, x.rows - start)
                forward(x: input.baseAddress! + start * sizes[0], batch: n, workspace: ws)
                for i in 0..<n {
                    let row = ws.logits.pointer + i * k
                    var top = row[0]
                    for c in 1..<k { top = max(top, row[c]) }
                    var total = 0.0
                    for c in 0..<k { total += exp(Double(row[c] - top)) }
                    for c in 0..<k { probabilities[start + i, c] = Float(exp(Double(row[c] - top)) / total) }
                    for j in 0..<h { features[start + i, j] = ws.activations[layers.count - 2][i * h + j] }
                }
            }
        }
        return (probabilities, features)
    }
}

/// The activations and gradients of a `Classifier` for up to `capacity` rows.
public final class ClassifierWorkspace {
    public let sizes: [Int]
    public let capacity: Int
    var batch = 0
    let preActivations: [FloatBuffer]
    let activations: [FloatBuffer]
    let slopes: [FloatBuffer]
    let logits: FloatBuffer
    let logitGradient: FloatBuffer
    let hiddenGradients: (FloatBuffer, FloatBuffer)
    /// dL/dparameters after `crossEntropyBackward`, laid out like the parameters.
    public let gradients: FloatBuffer

    public init(sizes: [Int], capacity: Int) {
        precondition(capacity >= 1, "ClassifierWorkspace: capacity \(capacity)")
        self.sizes = sizes
        self.capacity = capacity
        let hidden = sizes.dropFirst().dropLast()
        preActivations = hidden.map { FloatBuffer(count: capacity * $0) }
        activations = hidden.map { FloatBuffer(count: capacity * $0) }
        slopes = hidden.map { FloatBuffer(count: capacity * $0) }
        logits = FloatBuffer(count: capacity * sizes.last!)
        logitGradient = FloatBuffer(count: capacity * sizes.last!)
        let widest = hidden.max()!
        hiddenGradients = (FloatBuffer(count: capacity * widest), FloatBuffer(count: capacity * widest))
        gradients = FloatBuffer(count: Classifier.layers(sizes).reduce(0) { $0 + $1.parameterCount })
    }
}
