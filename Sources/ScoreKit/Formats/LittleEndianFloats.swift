import Foundation

/// Float32 and float64 arrays as little-endian bytes, the layout of both `.npy` and
/// `.safetensors` data sections.
enum LittleEndianFloats {
    static func append(_ values: [Float], to data: inout Data) {
        #if _endian(little)
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        #endif
    }

    /// The element count of `shape` and its size in bytes at `width` bytes per element, or nil
    /// when either overflows `Int`: a reader checks this against the bytes it holds before it
    /// allocates anything.
    static func size(of shape: [Int], width: Int) -> (count: Int, bytes: Int)? {
        var count = 1
        for n in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { return nil }
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: width)
        return overflow ? nil : (count, bytes)
    }

    /// `count` values of `width` bytes (4: float32, 8: float64, rounded to Float) from `offset`.
    /// The caller has checked that the bytes are there.
    static func read(_ bytes: UnsafeRawBufferPointer, offset: Int, count: Int, width: Int) -> [Float] {
        (0..<count).map { i in
            width == 4
                ? Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self)))
                : Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8 * i, as: UInt64.self))))
        }
    }
}
