/// Elementwise and reduction kernels over row-major blocks, each one pass over memory.
///
/// Every function takes raw pointers and sizes so the network can run them on its
/// preallocated buffers. Inner loops index a row pointer with the loop counter alone:
/// a checked `base + c` inside the loop is a possible trap, which stops LLVM vectorising it.
package enum Kernels {
    /// For a `rows x columns` block: pre += bias (broadcast over rows), then
    /// out = SiLU(pre) and slope = SiLU'(pre) = s (1 + pre (1 - s)) with s = sigmoid(pre).
    ///
    /// `slope` is what backpropagation multiplies the incoming gradient by, so the
    /// backward pass never recomputes an exponential.
    package static func biasSiLU(
        rows: Int, columns: Int,
        pre: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>, slope: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let p = pre + r * columns, o = out + r * columns, d = slope + r * columns
            for c in 0..<columns {
                let u = p[c] + bias[c]
                let s = FastMath.sigmoid(u)
                p[c] = u
                o[c] = u * s
                d[c] = s * (1 + u * (1 - s))
            }
        }
    }

    /// `biasSiLU` that also writes curvature = SiLU''(pre) = s (1 - s) (2 + pre (1 - 2 s)),
    /// which backpropagation through a forward-mode tangent needs (d(slope)/d(pre)).
    package static func biasSiLU(
        rows: Int, columns: Int,
        pre: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>, slope: UnsafeMutablePointer<Float>,
        curvature: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let p = pre + r * columns, o = out + r * columns, d = slope + r * columns, k = curvature + r * columns
            for c in 0..<columns {
                let u = p[c] + bias[c]
                let s = FastMath.sigmoid(u)
                let sc = s * (1 - s)
                p[c] = u
                o[c] = u * s
                d[c] = s + u * sc
                k[c] = sc * (2 + u * (1 - 2 * s))
            }
        }
    }

    /// Tangents through an activation: for each of `blocks` consecutive `count`-element blocks
    /// of `tangents`, out_m = tangents_m * slope (the same `slope` block for every m).
    package static func multiplyBlocks(count: Int, blocks: Int, _ tangents: UnsafePointer<Float>,
                                      by slope: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        for m in 0..<blocks {
            let t = tangents + m * count, o = out + m * count
            for i in 0..<count { o[i] = t[i] * slope[i] }
        }
    }

    /// Backpropagation through h = SiLU(pre) and t_m = SiLU'(pre) * tpre_m, in place.
    /// On entry `gradient` holds [dL/dh; dL/dt_1; ...; dL/dt_M] (blocks of `count` elements); on
    /// exit [dL/dpre; dL/dtpre_1; ...], where
    ///     dL/dpre    = dL/dh * slope + curvature * sum_m dL/dt_m * tpre_m
    ///     dL/dtpre_m = dL/dt_m * slope.
    /// `tangentPre` holds [tpre_1; ...; tpre_M].
    package static func siluTangentBackward(count: Int, blocks: Int, gradient: UnsafeMutablePointer<Float>,
                                           tangentPre: UnsafePointer<Float>, slope: UnsafePointer<Float>,
                                           curvature: UnsafePointer<Float>) {
        for i in 0..<count { gradient[i] *= slope[i] }
        for m in 0..<blocks {
            let g = gradient + (m + 1) * count, t = tangentPre + m * count
            for i in 0..<count {
                gradient[i] += curvature[i] * g[i] * t[i]
                g[i] *= slope[i]
            }
        }
    }

    /// out = SiLU(pre + bias) for a `rows x columns` block, writing nothing else: the
    /// inference form of `biasSiLU`, for passes that will not be backpropagated.
    package static func biasSiLU(
        rows: Int, columns: Int,
        pre: UnsafePointer<Float>, bias: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let p = pre + r * columns, o = out + r * columns
            for c in 0..<columns { o[c] = FastMath.silu(p[c] + bias[c]) }
        }
    }

    /// block += bias, broadcast over the rows of a `rows x columns` block.
    package static func addBias(rows: Int, columns: Int,
                               _ block: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = block + r * columns
            for c in 0..<columns { row[c] += bias[c] }
        }
    }

    /// a *= b elementwise over `count` elements.
    package static func multiply(count: Int, _ a: UnsafeMutablePointer<Float>, by b: UnsafePointer<Float>) {
        for i in 0..<count { a[i] *= b[i] }
    }

    /// y = a y + (b x + c z) over `count` elements: every sampler's update (the Langevin step is
    /// a = 1). With c = 0, z is not read.
    package static func combine(count: Int, _ y: UnsafeMutablePointer<Float>, _ a: Float,
                               _ x: UnsafePointer<Float>, _ b: Float, _ z: UnsafePointer<Float>, _ c: Float) {
        if c == 0 {
            for i in 0..<count { y[i] = a * y[i] + b * x[i] }
        } else {
            for i in 0..<count { y[i] = a * y[i] + (b * x[i] + c * z[i]) }
        }
    }

    /// Each row of a `rows x columns` block scaled by its own factor: block[r, :] *= factors[r].
    package static func scaleRows(rows: Int, columns: Int,
                                 _ block: UnsafeMutablePointer<Float>, by factors: UnsafePointer<Float>) {
        for r in 0..<rows {
            let f = factors[r], row = block + r * columns
            for c in 0..<columns { row[c] *= f }
        }
    }

    /// The sum of `count` elements in eight interleaved partial sums (then added in Double).
    /// A single running sum is a serial chain LLVM may not reorder; eight independent ones
    /// vectorise. The order is fixed, so the result is reproducible.
    package static func sum(count: Int, _ x: UnsafePointer<Float>) -> Double {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        let whole = count / 8
        for b in 0..<whole {
            let p = x + 8 * b
            s0 += p[0]; s1 += p[1]; s2 += p[2]; s3 += p[3]
            s4 += p[4]; s5 += p[5]; s6 += p[6]; s7 += p[7]
        }
        var total = Double(s0) + Double(s1) + Double(s2) + Double(s3) + Double(s4) + Double(s5) + Double(s6) + Double(s7)
        for i in (8 * whole)..<count { total += Double(x[i]) }
        return total
    }

    /// sums[c] = (accumulate ? sums[c] : 0) + sum over r of block[r, c]: the bias gradient.
    package static func columnSums(rows: Int, columns: Int, _ block: UnsafePointer<Float>,
                                  into sums: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        if !accumulate { sums.update(repeating: 0, count: columns) }
        for r in 0..<rows {
            let row = block + r * columns
            for c in 0..<columns { sums[c] += row[c] }
        }
    }
}
