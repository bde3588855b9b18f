/// Branch-free `Float` exp and sigmoid that the compiler vectorises inside plain loops.
///
/// libm's `expf` is a call per element and dominated the activation cost of the network;
/// these are straight-line code over `Float`/`Int32` with wrapping integer operations.
package enum FastMath {
    // Inputs are clamped so the result stays a normal float and 2^n fits the exponent bits:
    // exp(-87.33654) ~ 1.1755e-38 (FLT_MIN); above 88, n would round to 128 and overflow.
    @usableFromInline static let expLow: Float = -87.33654
    @usableFromInline static let expHigh: Float = 88

    /// e^x with a maximum relative error below 2e-7 (about 2 ulp) for x in [-87.3, 88].
    ///
    /// Method: x = n ln2 + r with |r| <= ln2/2 (ln2 split in two parts so the reduction is exact
    /// enough), e^r by a degree-7 polynomial (Cephes coefficients), then 2^n built in the exponent
    /// bits. Edge cases: x below -87.33654 returns ~1.1755e-38 instead of a subnormal or 0; x above
    /// 88 returns e^88 ~ 1.65e38 instead of a larger value or +inf; NaN gives NaN.
    @inlinable @inline(__always)
    package static func exp(_ x: Float) -> Float {
        var x = x < expLow ? expLow : x
        x = x > expHigh ? expHigh : x
        // Round x/ln2 to the nearest integer with the 1.5 * 2^23 trick: the sum's low mantissa bits hold n.
        let shifter: Float = 12_582_912
        let t = x * 1.442_695_04 + shifter
        let n = t - shifter
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let er = p * (r * r) + r + 1
        let ni = Int32(bitPattern: t.bitPattern) &- Int32(bitPattern: shifter.bitPattern)
        let scale = Float(bitPattern: UInt32(bitPattern: (ni &+ 127) &<< 23))
        return er * scale
    }

    /// 1 / (1 + e^-u), relative error below 4e-7 where the result is a normal float (u > -87.3);
    /// below that it returns at most ~1.2e-38 instead of a subnormal. NaN gives NaN.
    @inlinable @inline(__always)
    package static func sigmoid(_ u: Float) -> Float {
        1 / (1 + exp(-u))
    }

    /// SiLU(u) = u * sigmoid(u), with `sigmoid`'s accuracy.
    @inlinable @inline(__always)
    package static func silu(_ u: Float) -> Float {
        u * sigmoid(u)
    }
}
