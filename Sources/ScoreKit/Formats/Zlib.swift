import CZlib
import Foundation

/// The only door to zlib: gzip decompression for the data sets and deflate with CRC-32 for PNG.
public enum Zlib {
    /// The decompressed contents of a gzip file (one or more members, as `gzip` writes them),
    /// refusing, with `name` in the reason: data that is not gzip, a corrupt stream, a truncated
    /// file and output beyond `limit` bytes.
    public static func gunzip(_ data: Data, name: String, limit: Int) throws -> Data {
        guard data.count >= 18, data[data.startIndex] == 0x1f, data[data.startIndex + 1] == 0x8b else {
            throw InputError("\(name): not a gzip file")
        }
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header and trailer (and check the trailer's CRC and length).
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw InputError("\(name): zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let input = [UInt8](data)
        try input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                guard output.count <= limit else { throw InputError("\(name): decompresses to more than \(limit) bytes") }
                switch status {
                case Z_OK:
                    if stream.avail_in == 0 && produced == 0 { throw InputError("\(name): truncated (the gzip stream ends early)") }
                case Z_STREAM_END:
                    // Another member may follow; trailing zero padding is tolerated as gzip does.
                    let rest = Int(stream.avail_in)
                    if rest == 0 || source[(source.count - rest)...].allSatisfy({ $0 == 0 }) { return }
                    guard inflateReset(&stream) == Z_OK else { throw InputError("\(name): zlib could not continue") }
                case Z_BUF_ERROR:
                    throw InputError("\(name): truncated (the gzip stream ends early)")
                default:
                    throw InputError("\(name): corrupt gzip data (\(stream.msg.map { String(cString: $0) } ?? String(cString: zError(status))))")
                }
            }
        }
        return output
    }

    /// `data` as a one-member gzip file (what `gunzip` reads; test fixtures are made with it).
    public static func gzip(_ data: [UInt8]) -> Data {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK, "Zlib.gzip: deflateInit2 failed")
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 32)
        var input = data
        let status = input.withUnsafeMutableBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target -> Int32 in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        precondition(status == Z_STREAM_END, "Zlib.gzip: deflate returned \(status)")
        return Data(out[0..<Int(stream.total_out)])
    }

    /// `data` compressed as one zlib stream (RFC 1950), as a PNG's IDAT chunk holds it.
    public static func deflate(_ data: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = compress2(&out, &length, data, uLong(data.count), Z_BEST_COMPRESSION)
        precondition(status == Z_OK, "Zlib.deflate: compress2 failed with \(status)")
        return Array(out[0..<Int(length)])
    }

    /// The CRC-32 of `bytes` (the one gzip and PNG use).
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        UInt32(CZlib.crc32(0, bytes, uInt(bytes.count)))
    }
}
