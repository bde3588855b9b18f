import Foundation

/// The noise-conditional score network s(x, sigma) = f([x, log sigma]) / tau (NCSN-v2
/// conditioning, tau = sigma unless the caller gives another output scale), where f is L hidden
/// `Linear -> SiLU` layers of width H and a final `Linear(H, d)`. Float32 throughout; every
/// matrix product goes through `BLAS.gemm`. A time-conditioned network reads a sinusoidal
/// embedding of t instead of log sigma, and a noise-predicting one returns s = -f / sigma
/// (`MLPConfiguration.conditioning`, `.parameterisation`).
///
/// The parameters are one flat buffer (layer by layer: W [out, in] row-major, then b [out]),
/// which is also the layout of the gradients, of Adam's moments and of the checkpoint.
/// The model holds only its parameters; activations live in an `MLPWorkspace`.
public final class ScoreMLP {
    public let configuration: MLPConfiguration
    public let layers: [Linear]
    public let parameters: FloatBuffer

    /// A network initialised like PyTorch's `nn.Linear`, layer by layer from `rng`.
    public init(configuration: MLPConfiguration, rng: inout RandomSource) {
        self.configuration = configuration
        layers = configuration.layers
        parameters = FloatBuffer(count: configuration.parameterCount)
        for layer in layers { layer.initialize(parameters.pointer, rng: &rng) }
    }

    /// A network with the given flat parameters (as in a checkpoint).
    public init(configuration: MLPConfiguration, parameters values: [Float]) {
        precondition(values.count == configuration.parameterCount,
                     "ScoreMLP: \(values.count) parameters given, \(configuration) has \(configuration.parameterCount)")
        self.configuration = configuration
        layers = configuration.layers
        parameters = FloatBuffer(values)
    }

    /// An independent copy (its own parameter memory).
    public func copy() -> ScoreMLP {
        ScoreMLP(configuration: configuration, parameters: parameters.array)
    }

    /// Computes s(x_i, sigma_i) for `batch` rows of `x` ([batch, d]) into `workspace.score`.
    ///
    /// With a workspace that carries M tangents, `directions` ([M * batch, d], block m holding
    /// v_m for every row) are pushed forward alongside (forward mode: one more product of the
    /// same shape per layer, t <- SiLU'(pre) * (t W^T)), and `workspace.tangentScore` receives
    /// the Jacobian-vector products (ds/dx) v_m. sigma is held fixed: it is an input, not a
    /// variable, of the score.
    ///
    /// With `keepForBackward` (the default) it keeps the pre-activations, SiLU slopes (and with
    /// tangents SiLU curvatures) that `backward` needs; samplers pass false and skip those writes.
    /// `outputScale` ([batch]) replaces sigma as the output's divisor tau, for corruptions whose score
    /// does not grow like 1 / sigma (see `Corruption.outputScale`); `backward` uses the same.
    /// `time` ([batch]) is what a time-conditioned network reads (each t in [0, 1]).
    /// Every sigma and output scale must be positive and finite. With `sharedConditioning` (inference
    /// only, no tangents) every row has the first row's sigma and time: their features enter the
    /// first layer once, as part of its bias, and its product runs over the d coordinates alone.
    package func forward(x: UnsafePointer<Float>, sigma: UnsafePointer<Float>, outputScale: UnsafePointer<Float>? = nil,
                        time: UnsafePointer<Float>? = nil, batch: Int,
                        workspace ws: MLPWorkspace, directions: UnsafePointer<Float>? = nil,
                        keepForBackward: Bool = true, sharedConditioning: Bool = false) {
        precondition(ws.configuration == configuration, "ScoreMLP.forward: workspace is for \(ws.configuration)")
        precondition(batch >= 0 && batch <= ws.capacity, "ScoreMLP.forward: batch \(batch) exceeds capacity \(ws.capacity)")
        precondition((directions != nil) == (ws.tangentCount > 0),
                     "ScoreMLP.forward: pass directions exactly when the workspace carries tangents")
        precondition(time != nil || configuration.conditioning == .logSigma, "ScoreMLP.forward: a time-conditioned network needs the time")
        precondition(!sharedConditioning || (!keepForBackward && directions == nil),
                     "ScoreMLP.forward: shared conditioning is for inference without tangents")
        ws.batch = keepForBackward ? batch : 0
        let d = configuration.dimension, h = configuration.hiddenWidth, m = ws.tangentCount
        let width = configuration.inputWidth, conditioning = configuration.conditioning
        let sign: Float = configuration.parameterisation == .score ? 1 : -1
        let rows = batch * (1 + m)
        let input = ws.input.pointer
        let p = UnsafePointer(parameters.pointer)
        for i in 0..<batch { ws.inverseOutputScale[i] = sign / (outputScale?[i] ?? sigma[i]) }
        if sharedConditioning {
            conditioning.features(sigma: sigma[0], time: time?[0] ?? 0, into: ws.sharedFeatures.pointer)
            layers[0].foldSharedInputs(ws.sharedFeatures.pointer, from: d, parameters: p, into: ws.sharedBias.pointer)
        } else {
            for i in 0..<batch {
                (input + i * width).update(from: x + i * d, count: d)
                conditioning.features(sigma: sigma[i], time: time?[i] ?? 0, into: input + i * width + d)
            }
        }
        if let directions {
            for i in 0..<(m * batch) {
                let row = input + (batch + i) * width
                row.update(from: directions + i * d, count: d)
                (row + d).update(repeating: 0, count: width - d)
            }
        }
        var previous = UnsafePointer(input)
        for l in 0..<(layers.count - 1) {
            let pre = ws.preActivations[l].pointer, out = ws.activations[l].pointer
            var bias = p + layers[l].biasOffset
            let slope = ws.slopes[l].pointer
            if l == 0 && sharedConditioning && d <= Kernels.narrowInputs {
                layers[0].multiplySiLU(batch: batch, firstColumns: d, input: x, parameters: p, bias: ws.sharedBias.pointer, output: out)
                previous = UnsafePointer(out)
                continue
            }
            if l == 0 && sharedConditioning {
                layers[0].multiply(batch: rows, firstColumns: d, input: x, parameters: p, output: pre)
                bias = UnsafePointer(ws.sharedBias.pointer)
            } else {
                layers[l].multiply(batch: rows, input: previous, parameters: p, output: pre)
            }
            switch (m > 0, keepForBackward) {
            case (false, false):
                Kernels.biasSiLU(rows: batch, columns: h, pre: pre, bias: bias, out: out)
            case (true, true):
                Kernels.biasSiLU(rows: batch, columns: h, pre: pre, bias: bias, out: out, slope: slope,
                                 curvature: ws.curvatures[l].pointer)
            default:
                Kernels.biasSiLU(rows: batch, columns: h, pre: pre, bias: bias, out: out, slope: slope)
            }
            Kernels.multiplyBlocks(count: batch * h, blocks: m, pre + batch * h, by: slope, into: out + batch * h)
            previous = UnsafePointer(out)
        }
        let last = layers[layers.count - 1]
        last.multiply(batch: rows, input: previous, parameters: p, output: ws.output.pointer)
        Kernels.addBias(rows: batch, columns: d, ws.output.pointer, bias: p + last.biasOffset)
        ws.score.pointer.update(from: ws.output.pointer, count: batch * d)
        Kernels.scaleRows(rows: batch, columns: d, ws.score.pointer, by: ws.inverseOutputScale.pointer)
        for k in 0..<m {
            let block = ws.tangentScore.pointer + k * batch * d
            block.update(from: ws.output.pointer + (k + 1) * batch * d, count: batch * d)
            Kernels.scaleRows(rows: batch, columns: d, block, by: ws.inverseOutputScale.pointer)
        }
    }

    /// Backpropagates dL/ds ([batch, d], for the rows of the last `forward`) and, with tangents,
    /// dL/d(J v_m) (`tangentScoreGradient`, [M * batch, d] laid out like `directions`) into
    /// `workspace.gradients` (overwritten, or added to with `accumulate`), and into
    /// `workspace.inputGradient` when `inputGradient` is true.
    package func backward(scoreGradient: UnsafePointer<Float>, tangentScoreGradient: UnsafePointer<Float>? = nil,
                         workspace ws: MLPWorkspace, inputGradient: Bool = false, accumulate: Bool = false) {
        precondition(ws.configuration == configuration, "ScoreMLP.backward: workspace is for \(ws.configuration)")
        precondition(ws.batch > 0, "ScoreMLP.backward: no forward pass kept for backward in this workspace")
        precondition((tangentScoreGradient != nil) == (ws.tangentCount > 0),
                     "ScoreMLP.backward: pass tangent gradients exactly when the workspace carries tangents")
        let batch = ws.batch, d = configuration.dimension, h = configuration.hiddenWidth, m = ws.tangentCount
        let rows = batch * (1 + m)
        let p = UnsafePointer(parameters.pointer)
        let g = ws.gradients.pointer
        // s = f / tau (and J v = (df/dx) v / tau), so dL/df = dL/ds / tau, row by row.
        let outGrad = ws.outputGradient.pointer
        outGrad.update(from: scoreGradient, count: batch * d)
        if let tangentScoreGradient { (outGrad + batch * d).update(from: tangentScoreGradient, count: m * batch * d) }
        for k in 0...m {
            Kernels.scaleRows(rows: batch, columns: d, outGrad + k * batch * d, by: ws.inverseOutputScale.pointer)
        }

        var (current, spare) = ws.hiddenGradients
        let hiddenCount = layers.count - 1
        layers[hiddenCount].backward(
            batch: rows, biasRows: batch, input: ws.activations[hiddenCount - 1].pointer,
            outputGradient: outGrad, parameters: p, gradients: g,
            inputGradient: current.pointer, accumulate: accumulate)
        for l in stride(from: hiddenCount - 1, through: 0, by: -1) {
            // dL/d(pre-activation) from dL/d(activation), in place.
            if m == 0 {
                Kernels.multiply(count: batch * h, current.pointer, by: ws.slopes[l].pointer)
            } else {
                Kernels.siluTangentBackward(count: batch * h, blocks: m, gradient: current.pointer,
                                            tangentPre: ws.preActivations[l].pointer + batch * h,
                                            slope: ws.slopes[l].pointer, curvature: ws.curvatures[l].pointer)
            }
            let layerInput = l == 0 ? ws.input.pointer : ws.activations[l - 1].pointer
            let needInput = l > 0 || inputGradient
            layers[l].backward(
                batch: rows, biasRows: batch, input: layerInput, outputGradient: current.pointer,
                parameters: p, gradients: g,
                inputGradient: needInput ? (l == 0 ? ws.inputGradient.pointer : spare.pointer) : nil,
                accumulate: accumulate)
            swap(&current, &spare)
        }
    }
}

extension ScoreMLP: ScoreNetwork {
    public var dimension: Int { configuration.dimension }
    public var conditioning: Conditioning { configuration.conditioning }

    public func makePass(capacity: Int, tangentCount: Int) -> any NetworkPass {
        MLPPass(model: self, capacity: capacity, tangentCount: tangentCount)
    }

    public func withParameters(_ values: [Float]) -> ScoreMLP {
        ScoreMLP(configuration: configuration, parameters: values)
    }
}
