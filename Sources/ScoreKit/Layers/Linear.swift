/// A fully connected layer y = x W^T + b over a batch of rows, after MLX's `Linear`.
///
/// W is [outputs, inputs] row-major and b is [outputs]; both live in the model's flat
/// parameter buffer (W first, then b, starting at `offset`) so that the optimiser updates
/// every parameter in one pass. The layer itself only knows its shape and where it sits.
public struct Linear: Sendable, Equatable {
    public let inputs: Int
    public let outputs: Int
    /// Where W starts in the flat parameter (and gradient) buffer.
    public let offset: Int

    public var weightCount: Int { inputs * outputs }
    public var biasOffset: Int { offset + weightCount }
    public var parameterCount: Int { weightCount + outputs }

    /// output = input W^T for `batch` rows (an NT product: W is read transposed in place).
    /// The bias is left to the caller, which fuses it with the activation that follows.
    func multiply(batch: Int, input: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                  output: UnsafeMutablePointer<Float>) {
        BLAS.gemm(m: batch, n: outputs, k: inputs,
                  input, transposeA: false, parameters + offset, transposeB: true,
                  beta: 0, output)
    }

    /// output = input W[:, :columns]^T for `batch` rows of `columns` inputs: the product with the
    /// first `columns` input columns only, the rest of each row's inputs being shared by all rows
    /// and folded into the bias (`foldSharedInputs`).
    func multiply(batch: Int, firstColumns columns: Int, input: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                  output: UnsafeMutablePointer<Float>) {
        BLAS.gemm(m: batch, n: outputs, k: columns,
                  input, transposeA: false, parameters + offset, transposeB: true, leadingDimensionB: inputs,
                  beta: 0, output)
    }

    /// output = SiLU(input W[:, :columns]^T + bias) for `batch` rows of `columns <= Kernels.narrowInputs`
    /// inputs, in one pass (`Kernels.narrowLinearSiLU`): the inference form of `multiply(firstColumns:)`
    /// and the activation, for a first layer whose other inputs are folded into `bias`.
    func multiplySiLU(batch: Int, firstColumns columns: Int, input: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                      bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        Kernels.narrowLinearSiLU(rows: batch, outputs: outputs, inputs: columns, input, weights: parameters + offset,
                                 weightStride: inputs, bias: bias, into: output)
    }

    /// bias'[o] = b[o] + sum_j W[o, from + j] shared[j]: the contribution of input columns that are
    /// the same in every row, computed once instead of once per row.
    func foldSharedInputs(_ shared: UnsafePointer<Float>, from start: Int, parameters: UnsafePointer<Float>,
                          into bias: UnsafeMutablePointer<Float>) {
        let count = inputs - start
        for o in 0..<outputs {
            let row = parameters + offset + o * inputs + start
            var sum = parameters[biasOffset + o]
            for j in 0..<count { sum += row[j] * shared[j] }
            bias[o] = sum
        }
    }

    /// Given dL/dy for `batch` rows: dL/dW = dy^T x and dL/db = column sums of dy over the
    /// first `biasRows` rows (the rows that had the bias added), written (or added, with
    /// `accumulate`) at this layer's place in `gradients`; and, if asked, dL/dx = dy W (added to
    /// `inputGradient` with `addsInputGradient`).
    func backward(batch: Int, biasRows: Int, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                  parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                  inputGradient: UnsafeMutablePointer<Float>?, accumulate: Bool, addsInputGradient: Bool = false) {
        BLAS.gemm(m: outputs, n: inputs, k: batch,
                  outputGradient, transposeA: true, input, transposeB: false,
                  beta: accumulate ? 1 : 0, gradients + offset)
        Kernels.columnSums(rows: biasRows, columns: outputs, outputGradient,
                           into: gradients + biasOffset, accumulate: accumulate)
        if let inputGradient {
            BLAS.gemm(m: batch, n: inputs, k: outputs,
                      outputGradient, transposeA: false, parameters + offset, transposeB: false,
                      beta: addsInputGradient ? 1 : 0, inputGradient)
        }
    }

    /// PyTorch's `nn.Linear` initialisation: W and b uniform on [-1/sqrt(inputs), 1/sqrt(inputs)].
    func initialize(_ parameters: UnsafeMutablePointer<Float>, rng: inout RandomSource) {
        let bound = 1 / Float(inputs).squareRoot()
        rng.fillUniform(parameters + offset, count: parameterCount, low: -bound, high: bound)
    }
}
