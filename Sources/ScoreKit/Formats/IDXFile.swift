import Foundation

/// An IDX file of unsigned bytes (the format of MNIST and Fashion-MNIST): a magic number
/// 0x00 0x00 0x08 n, then n big-endian 32-bit sizes, then the bytes in row-major order.
public struct IDXFile: Sendable {
    public let shape: [Int]
    public let bytes: [UInt8]

    /// Reads `data` (already decompressed); `name` is what errors call it. Refuses other element
    /// types, a shape whose size overflows, and data whose length differs from the shape's.
    public static func decode(_ data: Data, name: String) throws -> IDXFile {
        let raw = [UInt8](data)
        guard raw.count >= 4, raw[0] == 0, raw[1] == 0 else { throw InputError("\(name): not an IDX file (bad magic number)") }
        guard raw[2] == 0x08 else { throw InputError("\(name): IDX element type 0x\(String(raw[2], radix: 16)) is not unsigned bytes") }
        let rank = Int(raw[3])
        guard (1...4).contains(rank) else { throw InputError("\(name): IDX rank \(rank) (expected 1 to 4)") }
        let start = 4 + 4 * rank
        guard raw.count >= start else { throw InputError("\(name): truncated IDX header") }
        var shape: [Int] = [], count = 1
        for k in 0..<rank {
            let size = raw[(4 + 4 * k)..<(8 + 4 * k)].reduce(0) { $0 << 8 | Int($1) }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw InputError("\(name): IDX shape overflows") }
            shape.append(size)
            count = product
        }
        guard raw.count - start == count else {
            throw InputError("\(name): IDX shape \(shape) needs \(count) bytes, the file holds \(raw.count - start)")
        }
        return IDXFile(shape: shape, bytes: Array(raw[start...]))
    }
}
