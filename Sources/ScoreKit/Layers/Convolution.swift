/// A 2-D convolution over feature maps (PyTorch's `nn.Conv2d` with zero padding k / 2): a 3x3
/// kernel at stride 1 by Winograd's F(2x2, 3x3) (`WinogradConvolution`), the others as im2col
/// plus one matrix product per chunk of images.
///
/// Feature maps are NHWC: the rows of a matrix [images * height * width, channels], position
/// (y, x) of image b being row (b * height + y) * width + x. A grey image's pixel row is already
/// that layout with one channel; a 1x1 convolution and a channel bias read each row as it stands,
/// and group normalisation reads a group's channels contiguously.
///
/// W is [out, in, k, k] row-major, PyTorch's own layout, so a checkpoint's tensors are the flat
/// parameters as they stand; b is [out]. Both live in the network's flat parameter buffer (W, then
/// b, from `offset`). The im2col row of an output position lists its patch tap by tap (kernel row,
/// kernel column), each tap's channels contiguous, so that building it copies runs of `in` floats;
/// a 3x3 layer therefore multiplies by W reordered to [out, k, k, in] in its scratch, and reorders
/// its weight gradient back. y = cols W'^T + b is then one NT product. A 1x1 convolution at stride
/// 1 multiplies the map itself. Output sides are (side - 1) / stride + 1.
///
/// A 3x3 layer at stride 1 takes 2.25 times fewer multiply-adds by Winograd's tiles, in each of
/// its three products: y; dL/dx, itself a 3x3 convolution of dL/dy by W with its in and out
/// swapped and its taps reversed; and dL/dW, through the transforms' adjoints.
public struct Convolution: Sendable, Equatable {
    public let inputs: Int
    public let outputs: Int
    /// Kernel side k: 1 or 3.
    public let kernel: Int
    /// 1, or 2 to halve each side.
    public let stride: Int
    /// The input's height and width.
    public let height: Int
    public let width: Int
    /// Where W starts in the flat parameter (and gradient) buffer.
    public let offset: Int

    public init(inputs: Int, outputs: Int, kernel: Int = 3, stride: Int = 1, height: Int, width: Int, offset: Int) {
        precondition(inputs >= 1 && outputs >= 1 && height >= 1 && width >= 1 && offset >= 0,
                     "Convolution: \(inputs) -> \(outputs) channels on \(height) x \(width) at \(offset)")
        precondition(kernel == 1 || kernel == 3, "Convolution: kernel \(kernel); 1 and 3 are supported")
        precondition(stride == 1 || stride == 2, "Convolution: stride \(stride); 1 and 2 are supported")
        self.inputs = inputs
        self.outputs = outputs
        self.kernel = kernel
        self.stride = stride
        self.height = height
        self.width = width
        self.offset = offset
    }

    public var outputHeight: Int { (height - 1) / stride + 1 }
    public var outputWidth: Int { (width - 1) / stride + 1 }
    /// Columns of an im2col row: in * k * k.
    public var patch: Int { inputs * kernel * kernel }
    public var weightCount: Int { outputs * patch }
    public var biasOffset: Int { offset + weightCount }
    public var parameterCount: Int { weightCount + outputs }
    /// Whether the map itself is the im2col matrix.
    var isPointwise: Bool { kernel == 1 && stride == 1 }

    /// Output rows per chunk of the products: chunks of whole images of about 4,096 rows keep the
    /// im2col scratch in the cache's reach and its size bounded; fixed by the shape alone, so the
    /// sums (and the bits) do not depend on the batch's thread count.
    var imagesPerChunk: Int { max(1, 4096 / (outputHeight * outputWidth)) }

    /// Floats of scratch `forward` and `backward` need for batches of up to `images` images: the
    /// reordered weights and their gradient, then the im2col rows of one chunk; by Winograd, the
    /// transformed weights and their gradient, then one chunk's transformed tiles.
    public func scratchCount(images: Int) -> Int {
        guard !isPointwise else { return 0 }
        let chunk = min(images, imagesPerChunk)
        return reorderedCount + (winograd?.matricesCount(images: chunk) ?? chunk * outputHeight * outputWidth * patch)
    }

    /// Floats before the chunk's scratch: none for a 1x1 kernel, whose order is the same.
    private var reorderedCount: Int { kernel == 1 ? 0 : 2 * (winograd?.weightCount ?? weightCount) }

    /// The layer by Winograd's tiles (a 3x3 kernel at stride 1), else nil.
    private var winograd: WinogradConvolution? {
        kernel == 3 && stride == 1 ? WinogradConvolution(inputs: inputs, outputs: outputs, height: height, width: width) : nil
    }

    /// The convolution dL/dy -> dL/dx of a 3x3 layer at stride 1 by Winograd's tiles: out channels in, in channels out.
    private var winogradGradient: WinogradConvolution? {
        winograd.map { WinogradConvolution(inputs: $0.outputs, outputs: $0.inputs, height: height, width: width) }
    }

    /// y = conv(x) + b for `images` images: x [images * h * w, in], y [images * h' * w', out].
    package func forward(images: Int, input: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                         output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        if let winograd {
            winograd.transformWeights(parameters + offset, transposed: false, into: scratch)
            forEachChunk(images: images) { first, count in
                winograd.apply(images: count, input: input + first * height * width * inputs, weights: scratch,
                               bias: parameters + biasOffset, accumulate: false, output: output + first * height * width * outputs,
                               matrices: scratch + reorderedCount)
            }
            return
        }
        let positions = outputHeight * outputWidth, weights = reorderWeights(parameters, into: scratch)
        forEachChunk(images: images) { first, count in
            let cols = isPointwise ? input + first * height * width * inputs : UnsafePointer(scratch + reorderedCount)
            if !isPointwise { im2col(first: first, count: count, input: input, into: scratch + reorderedCount) }
            BLAS.gemm(m: count * positions, n: outputs, k: patch, cols, transposeA: false, weights, transposeB: true,
                      beta: 0, output + first * positions * outputs)
        }
        Parallel.forEachRange(images * positions, grain: Parallel.elementGrain / outputs) { rows in
            Kernels.addBias(rows: rows.count, columns: outputs, output + rows.lowerBound * outputs, bias: parameters + biasOffset)
        }
    }

    /// Given dL/dy: dL/dW and dL/db written at this layer's place in `gradients`, and dL/dx added
    /// to `inputGradient` when given.
    package func backward(images: Int, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                          parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                          inputGradient: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>) {
        let positions = outputHeight * outputWidth
        Kernels.columnSums(rows: images * positions, columns: outputs, outputGradient, into: gradients + biasOffset)
        if let winograd {
            return backwardByTiles(winograd, images: images, input: input, outputGradient: outputGradient, parameters: parameters,
                                   gradients: gradients, inputGradient: inputGradient, scratch: scratch)
        }
        let weights = reorderWeights(parameters, into: scratch)
        let weightGradient = kernel == 1 ? gradients + offset : scratch + weightCount
        let cols = scratch + reorderedCount
        forEachChunk(images: images) { first, count in
            let rows = count * positions
            let dy = outputGradient + first * positions * outputs
            let patches = isPointwise ? input + first * height * width * inputs : UnsafePointer(cols)
            if !isPointwise { im2col(first: first, count: count, input: input, into: cols) }
            BLAS.gemm(m: outputs, n: patch, k: rows, dy, transposeA: true, patches, transposeB: false,
                      beta: first == 0 ? 0 : 1, weightGradient)
            guard let inputGradient else { return }
            if isPointwise {
                BLAS.gemm(m: rows, n: inputs, k: outputs, dy, transposeA: false, weights, transposeB: false,
                          beta: 1, inputGradient + first * height * width * inputs)
            } else {
                BLAS.gemm(m: rows, n: patch, k: outputs, dy, transposeA: false, weights, transposeB: false, beta: 0, cols)
                col2im(first: first, count: count, columns: cols, into: inputGradient)
            }
        }
        if kernel != 1 { reorder(UnsafePointer(weightGradient), toPyTorch: true, into: gradients + offset) }
    }

    /// `backward`'s dL/dW and dL/dx by Winograd's tiles: the transformed weights' gradient summed
    /// over the chunks in the scratch, then transformed back; dL/dx by the flipped kernel's transform.
    private func backwardByTiles(_ winograd: WinogradConvolution, images: Int, input: UnsafePointer<Float>,
                                 outputGradient: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                                 gradients: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                                 scratch: UnsafeMutablePointer<Float>) {
        let positions = height * width, transformedGradient = scratch, flipped = scratch + winograd.weightCount
        let gradient = inputGradient == nil ? nil : winogradGradient
        gradient?.transformWeights(parameters + offset, transposed: true, into: flipped)
        forEachChunk(images: images) { first, count in
            let dy = outputGradient + first * positions * outputs
            winograd.transformedWeightGradient(images: count, input: input + first * positions * inputs, outputGradient: dy,
                                               accumulate: first > 0, into: transformedGradient, matrices: scratch + reorderedCount)
            guard let gradient, let inputGradient else { return }
            gradient.apply(images: count, input: dy, weights: flipped, bias: nil, accumulate: true,
                           output: inputGradient + first * positions * inputs, matrices: scratch + reorderedCount)
        }
        winograd.weightGradient(from: transformedGradient, into: gradients + offset)
    }

    /// What its products and its profile call it: "conv3x3", "conv3x3/2", "conv1x1".
    public var kind: String { "conv\(kernel)x\(kernel)" + (stride == 2 ? "/2" : "") }

    /// The products of `forward` (and with `training`, of `backward`) for `images` images, chunk by chunk.
    public func products(images: Int, training: Bool, inputGradient: Bool) -> [ProductShape] {
        let positions = outputHeight * outputWidth
        var out: [ProductShape] = []
        forEachChunk(images: images) { _, count in
            let rows = count * positions
            if let winograd {
                out += winograd.products(images: count, layer: kind)
            } else {
                out.append(ProductShape(m: rows, n: outputs, k: patch, transposeA: false, transposeB: true, layer: kind))
            }
            guard training else { return }
            if let winograd {
                out += winograd.weightGradientProducts(images: count, layer: kind)
            } else {
                out.append(ProductShape(m: outputs, n: patch, k: rows, transposeA: true, transposeB: false, layer: kind))
            }
            if inputGradient, let winogradGradient {
                out += winogradGradient.products(images: count, layer: kind)
            } else if inputGradient {
                out.append(ProductShape(m: rows, n: isPointwise ? inputs : patch, k: outputs, transposeA: false, transposeB: false, layer: kind))
            }
        }
        return out
    }

    /// W in the im2col rows' order ([out, k, k, in]), in `scratch` for a 3x3 kernel; a 1x1 kernel's W as it stands.
    private func reorderWeights(_ parameters: UnsafePointer<Float>, into scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        guard kernel != 1 else { return parameters + offset }
        reorder(parameters + offset, toPyTorch: false, into: scratch)
        return UnsafePointer(scratch)
    }

    /// [out, in, taps] to [out, taps, in], or back with `toPyTorch`.
    private func reorder(_ source: UnsafePointer<Float>, toPyTorch: Bool, into target: UnsafeMutablePointer<Float>) {
        let taps = kernel * kernel
        for o in 0..<outputs {
            let from = source + o * patch, to = target + o * patch
            for c in 0..<inputs {
                for t in 0..<taps {
                    if toPyTorch { to[c * taps + t] = from[t * inputs + c] } else { to[t * inputs + c] = from[c * taps + t] }
                }
            }
        }
    }

    /// PyTorch's `nn.Conv2d` initialisation: W and b uniform on +-1 / sqrt(in * k * k).
    func initialize(_ parameters: UnsafeMutablePointer<Float>, rng: inout RandomSource) {
        let bound = 1 / Float(patch).squareRoot()
        rng.fillUniform(parameters + offset, count: parameterCount, low: -bound, high: bound)
    }

    private func forEachChunk(images: Int, _ body: (_ first: Int, _ count: Int) -> Void) {
        var first = 0
        while first < images {
            let count = min(imagesPerChunk, images - first)
            body(first, count)
            first += count
        }
    }

    /// The patch of each output position of images first ..< first + count, tap by tap, zero
    /// outside the map; output lines (an image's row of positions) in parallel.
    private func im2col(first: Int, count: Int, input: UnsafePointer<Float>, into cols: UnsafeMutablePointer<Float>) {
        let pad = kernel / 2, lineFloats = outputWidth * patch
        Parallel.forEachRange(count * outputHeight, grain: Parallel.elementGrain / lineFloats) { lines in
            for line in lines {
                let b = first + line / outputHeight, oy = line % outputHeight
                var row = cols + line * lineFloats
                for ox in 0..<outputWidth {
                    for ky in 0..<kernel {
                        let iy = oy * stride + ky - pad
                        for kx in 0..<kernel {
                            let ix = ox * stride + kx - pad, tap = row + (ky * kernel + kx) * inputs
                            if iy < 0 || iy >= height || ix < 0 || ix >= width {
                                tap.update(repeating: 0, count: inputs)
                            } else {
                                tap.update(from: input + ((b * height + iy) * width + ix) * inputs, count: inputs)
                            }
                        }
                    }
                    row += patch
                }
            }
        }
    }

    /// The adjoint of `im2col`: each patch entry added back to the input position it came from.
    private func col2im(first: Int, count: Int, columns cols: UnsafePointer<Float>, into gradient: UnsafeMutablePointer<Float>) {
        let pad = kernel / 2
        var row = cols
        for b in first..<(first + count) {
            for oy in 0..<outputHeight {
                for ox in 0..<outputWidth {
                    for ky in 0..<kernel {
                        let iy = oy * stride + ky - pad
                        guard iy >= 0 && iy < height else { continue }
                        for kx in 0..<kernel {
                            let ix = ox * stride + kx - pad
                            guard ix >= 0 && ix < width else { continue }
                            Kernels.combine(count: inputs, gradient + ((b * height + iy) * width + ix) * inputs, 1,
                                            row + (ky * kernel + kx) * inputs, 1, row, 0)
                        }
                    }
                    row += patch
                }
            }
        }
    }
}
