import Foundation

/// An n-dimensional array in NumPy's `.npy` format (v1.0 written; v1, v2 and v3 read),
/// stored as Float in C order. float32 and float64 files are read (float64 rounded to Float).
public struct NumpyArray: Equatable, Sendable {
    public let shape: [Int]
    public let values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                     "NumpyArray: shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    public init(_ matrix: Matrix) {
        self.init(shape: [matrix.rows, matrix.columns], values: matrix.elements)
    }

    /// The file's bytes: magic, version 1.0, a little-endian float32 header padded so the data
    /// starts on a 64-byte boundary, then the values.
    public var encoded: Data {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        LittleEndianFloats.append(values, to: &data)
        return data
    }

    public func write(to path: String) throws { try AtomicFile.write(encoded, to: path) }

    /// Reads a `.npy` file; malformed, truncated or non-float files are refused with a reason.
    public static func read(_ path: String) throws -> NumpyArray {
        try decode(AtomicFile.read(path), name: path)
    }

    public static func decode(_ data: Data, name: String = "array") throws -> NumpyArray {
        let bytes = [UInt8](data)
        func fail(_ why: String) -> InputError { InputError("\(name): not a valid .npy file: \(why)") }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw fail("missing the \\x93NUMPY magic")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw fail("unsupported version \(major)")
        }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw fail("truncated header")
        }
        guard let descr = field("descr", in: header) else { throw fail("no 'descr' in header") }
        let width: Int
        switch descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) {
        case "<f4": width = 4
        case "<f8": width = 8
        default: throw fail("dtype \(descr) is not supported (use float32 or float64, little-endian)")
        }
        guard let order = field("fortran_order", in: header) else { throw fail("no 'fortran_order' in header") }
        guard order == "False" else { throw fail("Fortran-ordered arrays are not supported (save with C order)") }
        guard let shapeText = field("shape", in: header) else { throw fail("no 'shape' in header") }
        let parts = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try parts.map { part -> Int in
            guard let n = Int(part), n >= 0 else { throw fail("bad shape \(shapeText)") }
            return n
        }
        let start = headerStart + headerLength
        guard let (count, size) = LittleEndianFloats.size(of: shape, width: width) else {
            throw fail("shape \(shape) holds more elements than can be addressed")
        }
        guard bytes.count - start == size else {
            throw fail("shape \(shape) needs \(size) data bytes, the file has \(bytes.count - start)")
        }
        let values = bytes.withUnsafeBytes { LittleEndianFloats.read($0, offset: start, count: count, width: width) }
        return NumpyArray(shape: shape, values: values)
    }

    /// The raw text of `'key': value` in a NumPy header dict (a tuple value keeps its parentheses).
    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") else { return nil }
        let rest = header[keyRange.upperBound...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
        return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
    }

    /// The array as an [N, d] matrix: 2-D arrays as they are, 1-D arrays as one column.
    public func matrix() throws -> Matrix {
        switch shape.count {
        case 1: return Matrix(rows: shape[0], columns: 1, elements: values)
        case 2: return Matrix(rows: shape[0], columns: shape[1], elements: values)
        default: throw InputError("expected an array of shape [N, d], got \(shape)")
        }
    }
}
