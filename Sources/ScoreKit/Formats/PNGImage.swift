import Foundation

/// An 8-bit greyscale raster and its PNG encoding (colour type 0, no interlace; each scanline
/// with filter 0, the whole deflated through zlib).
public struct PNGImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Row-major grey levels, 0 black to 255 white.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, fill: UInt8 = 255) {
        precondition(width >= 1 && height >= 1 && width <= 1 << 16 && height <= 1 << 16, "PNGImage: \(width) x \(height) is outside 1...65536")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: fill, count: width * height)
    }

    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// The file's bytes.
    public var encoded: Data {
        func bigEndian(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return bigEndian(body.count) + typed + bigEndian(Int(Zlib.crc32(typed)))
        }
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity((width + 1) * height)
        for y in 0..<height {
            scanlines.append(0)
            scanlines += pixels[(y * width)..<((y + 1) * width)]
        }
        let header = bigEndian(width) + bigEndian(height) + [8, 0, 0, 0, 0]
        let bytes: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
            + chunk("IHDR", header) + chunk("IDAT", Zlib.deflate(scanlines)) + chunk("IEND", [])
        return Data(bytes)
    }

    public func write(to path: String) throws { try AtomicFile.write(encoded, to: path) }
}
