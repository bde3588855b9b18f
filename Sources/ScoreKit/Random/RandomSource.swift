import Foundation

/// The engine's only source of randomness: xoshiro256** (Blackman and Vigna, 2018), seeded
/// through SplitMix64 so that any 64-bit seed, including 0, gives a well-mixed state.
///
/// Same seed, same sequence, on every platform. Period 2^256 - 1. `split()` derives an
/// independent stream for a sub-task, so adding draws in one place does not shift another's.
public struct RandomSource: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        s0 = Self.word(seed: seed, counter: 0); s1 = Self.word(seed: seed, counter: 1)
        s2 = Self.word(seed: seed, counter: 2); s3 = Self.word(seed: seed, counter: 3)
    }

    /// SplitMix64's output number `counter` (from 0) of the stream seeded with `seed`: a
    /// counter-based draw, the same value wherever and in whatever order it is computed (dropout
    /// recomputes its masks in the backward pass from it).
    @inlinable
    public static func word(seed: UInt64, counter: UInt64) -> UInt64 {
        var x = seed &+ (counter &+ 1) &* 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }

    /// The generator's four state words, to save a run and continue it exactly (`init(state:)`).
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator at a saved `state`; nil unless it is four words, not all zero (xoshiro's one
    /// dead state).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    @inlinable
    public mutating func next() -> UInt64 { nextWord() }

    @usableFromInline
    mutating func nextWord() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A new generator seeded from this one's next output: an independent stream.
    public mutating func split() -> RandomSource { RandomSource(seed: nextWord()) }

    /// Uniform on [0, 1) with 24 random bits.
    public mutating func uniform() -> Float {
        Float(nextWord() >> 40) * 0x1p-24
    }

    /// Uniform on [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double {
        Double(nextWord() >> 11) * 0x1p-53
    }

    /// A standard normal draw in Double (Box-Muller; the second value of the pair is discarded,
    /// which keeps this stateless at the cost of speed: use `fillNormal` for bulk draws).
    public mutating func normalDouble() -> Double {
        let u1 = (Double(nextWord() >> 11) + 1) * 0x1p-53  // (0, 1]: log is finite
        let u2 = uniformDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Fills `count` floats with independent uniforms on [low, high).
    package mutating func fillUniform(_ out: UnsafeMutablePointer<Float>, count: Int, low: Float = 0, high: Float = 1) {
        let width = high - low
        for i in 0..<count { out[i] = low + width * uniform() }
    }

    /// Fills `count` floats with independent standard normals: Box-Muller on pairs, both values
    /// used, r = sqrt(-2 log u1) with u1 = (top 24 bits of one word + 1) / 2^24 and angle 2 pi u2
    /// with u2 = top 24 bits of the next / 2^24; out = (r cos, r sin, ...). Vectorised in
    /// `Kernels.fillNormal` (log, sine and cosine by polynomials, about 2 ulp).
    package mutating func fillNormal(_ out: UnsafeMutablePointer<Float>, count: Int) {
        var words = (s0, s1, s2, s3)
        withUnsafeMutableBytes(of: &words) { Kernels.fillNormal(state: $0.baseAddress!.assumingMemoryBound(to: UInt64.self), count: count, out) }
        (s0, s1, s2, s3) = words
    }

    /// Fills an array of `count` standard normals.
    public mutating func normals(count: Int) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { fillNormal($0.baseAddress!, count: count) }
        return values
    }
}
