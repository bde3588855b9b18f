/// A 3x3 convolution at stride 1 with zero padding 1 on NHWC maps, by Winograd's F(2x2, 3x3)
/// (Lavin and Gray, "Fast algorithms for convolutional neural networks", 2016): 16 products of
/// [tiles, in] by [in, out] in place of im2col's one of [positions, 9 in] by [9 in, out], 2.25
/// times fewer multiply-adds.
///
/// Each tile of 2 x 2 outputs reads a 4 x 4 input patch d; its outputs are A^T [(G g G^T) ⊙
/// (B^T d B)] A summed over input channels, g being a channel pair's 3 x 3 kernel. Elementwise
/// over the 16 entries, the sum over channels is, for each entry e, the product V_e U_e of the
/// tiles' transformed patches V_e [tiles, in] by the transformed kernels U_e [in, out]. The
/// transforms B and A are additions only (`Kernels.winogradInput`, `Kernels.winogradOutput`); G
/// halves, exactly in binary. The rounding is not the direct sum's (16 terms per channel instead
/// of 9, some of them larger than any direct one); `LayerGradientTests` holds each output to the
/// definition at 1e-5 relative.
///
/// A map of odd side gets a last row or column of tiles whose outputs past the edge are dropped.
struct WinogradConvolution {
    /// The entries of a tile's 4 x 4 transform: one product each.
    static let entries = 16

    let inputs: Int
    let outputs: Int
    let height: Int
    let width: Int

    /// Tiles of 2 x 2 outputs per map.
    var tilesPerImage: Int { ((height + 1) / 2) * ((width + 1) / 2) }

    /// Floats of U: [16, in, out].
    var weightCount: Int { Self.entries * inputs * outputs }

    /// Floats of the transformed patches and products for `images` images: [16, tiles, in] then [16, tiles, out].
    func matricesCount(images: Int) -> Int { Self.entries * images * tilesPerImage * (inputs + outputs) }

    /// U_e[i, o] = (G g G^T)_e with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], from PyTorch's W
    /// [out, in, 3, 3]: g = W[o, i]; with `transposed`, this convolution is dL/dy -> dL/dx of W's
    /// (its in is W's out): g = W[i, o] with its taps reversed.
    func transformWeights(_ w: UnsafePointer<Float>, transposed: Bool, into u: UnsafeMutablePointer<Float>) {
        for i in 0..<inputs {
            for o in 0..<outputs {
                let kernel = w + 9 * (transposed ? i * outputs + o : o * inputs + i)
                func column(_ c: Int) -> SIMD4<Float> {
                    let (top, middle, bottom) = transposed ? (kernel[8 - c], kernel[5 - c], kernel[2 - c])
                                                           : (kernel[c], kernel[3 + c], kernel[6 + c])
                    return SIMD4(top, 0.5 * (top + middle + bottom), 0.5 * (top - middle + bottom), bottom)
                }
                // G g column by column, then (G g) G^T: the same combination of its three columns.
                let (left, centre, right) = (column(0), column(1), column(2))
                let transformed = (left, 0.5 * (left + centre + right), 0.5 * (left - centre + right), right)
                for row in 0..<4 {
                    let at = u + (4 * row * inputs + i) * outputs + o, step = inputs * outputs
                    at[0] = transformed.0[row]
                    at[step] = transformed.1[row]
                    at[2 * step] = transformed.2[row]
                    at[3 * step] = transformed.3[row]
                }
            }
        }
    }

    /// y = conv(x) (+ bias) for `images` maps, written to y or with `accumulate` added to it, by
    /// the transformed weights `u`; `matrices` holds `matricesCount(images:)` floats. The tiles
    /// run in parts on the product threads, each part its transforms and its rows of the 16
    /// products while they are in cache; parts are fixed by the tile count, so the bits are the
    /// same at any thread count.
    func apply(images: Int, input x: UnsafePointer<Float>, weights u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
               accumulate: Bool, output y: UnsafeMutablePointer<Float>, matrices: UnsafeMutablePointer<Float>) {
        let tiles = images * tilesPerImage
        let transformed = matrices, products = matrices + Self.entries * tiles * inputs
        let (inputStride, outputStride) = (tiles * inputs, tiles * outputs)
        Parallel.forEachRange(tiles, grain: Self.tileGrain) { part in
            Kernels.winogradInput(height: height, width: width, channels: inputs, x, tiles: part, stride: inputStride,
                                  into: transformed)
            for e in 0..<Self.entries {
                BLAS.gemm(m: part.count, n: outputs, k: inputs, transformed + e * inputStride + part.lowerBound * inputs,
                          transposeA: false, u + e * inputs * outputs, transposeB: false, beta: 0,
                          products + e * outputStride + part.lowerBound * outputs)
            }
            Kernels.winogradOutput(height: height, width: width, channels: outputs, products, tiles: part, stride: outputStride,
                                   bias: bias, accumulate: accumulate, into: y)
        }
    }

    /// The gradient of the transformed weights given dL/dy of `images` maps: dU_e [in, out] the sum
    /// over tiles of V_e^T Z_e, Z = A dL/dy A^T being the output transform's adjoint; written to
    /// `du`, or added to it with `accumulate`. The transforms run in parts over the tiles, the 16
    /// products one per part.
    func transformedWeightGradient(images: Int, input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                   accumulate: Bool, into du: UnsafeMutablePointer<Float>, matrices: UnsafeMutablePointer<Float>) {
        let tiles = images * tilesPerImage
        let transformed = matrices, adjoint = matrices + Self.entries * tiles * inputs
        Parallel.forEachRange(tiles, grain: Self.tileGrain) { part in
            Kernels.winogradInput(height: height, width: width, channels: inputs, x, tiles: part, stride: tiles * inputs,
                                  into: transformed)
            Kernels.winogradOutputAdjoint(height: height, width: width, channels: outputs, dy, tiles: part,
                                          stride: tiles * outputs, into: adjoint)
        }
        Parallel.forEachRange(Self.entries, grain: 1) { entries in
            for e in entries {
                BLAS.gemm(m: inputs, n: outputs, k: tiles, transformed + e * tiles * inputs, transposeA: true,
                          adjoint + e * tiles * outputs, transposeB: false, beta: accumulate ? 1 : 0, du + e * inputs * outputs)
            }
        }
    }

    /// dL/dW [out, in, 3, 3], PyTorch's layout, as G^T dU G of the transformed weights' gradient:
    /// the adjoint of `transformWeights`.
    func weightGradient(from du: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
        let step = inputs * outputs
        for i in 0..<inputs {
            for o in 0..<outputs {
                func row(_ r: Int) -> SIMD4<Float> {
                    let at = du + 4 * r * step + i * outputs + o
                    return SIMD4(at[0], at[step], at[2 * step], at[3 * step])
                }
                // G^T's rows: (1, 1/2, 1/2, 0), (0, 1/2, -1/2, 0), (0, 1/2, 1/2, 1); first over dU's rows, then its columns.
                let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3))
                let kernel = dw + 9 * (o * inputs + i)
                func store(_ ky: Int, _ h: SIMD4<Float>) {
                    kernel[3 * ky] = h[0] + 0.5 * (h[1] + h[2])
                    kernel[3 * ky + 1] = 0.5 * (h[1] - h[2])
                    kernel[3 * ky + 2] = 0.5 * (h[1] + h[2]) + h[3]
                }
                store(0, r0 + 0.5 * (r1 + r2))
                store(1, 0.5 * (r1 - r2))
                store(2, 0.5 * (r1 + r2) + r3)
            }
        }
    }

    /// The products of `transformedWeightGradient` on `images` maps.
    func weightGradientProducts(images: Int, layer: String) -> [ProductShape] {
        Array(repeating: ProductShape(m: inputs, n: outputs, k: images * tilesPerImage, transposeA: true, transposeB: false,
                                      layer: layer), count: Self.entries)
    }

    /// Tiles a part holds at least.
    static let tileGrain = 32

    /// The products of `apply` on `images` maps.
    func products(images: Int, layer: String) -> [ProductShape] {
        Parallel.parts(images * tilesPerImage, grain: Self.tileGrain).flatMap { part in
            Array(repeating: ProductShape(m: part.count, n: outputs, k: inputs, transposeA: false, transposeB: false, layer: layer),
                  count: Self.entries)
        }
    }
}
