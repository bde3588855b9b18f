import Foundation

/// Named tensors in the `.safetensors` format that PyTorch, JAX and MLX load directly:
/// an 8-byte little-endian header length, a JSON header (per tensor `dtype`, `shape`,
/// `data_offsets` relative to the data section; string-valued `__metadata__`), then the data.
///
/// Written as F32; F32 and F64 are read. The reader checks every offset and shape against
/// the file and refuses anything inconsistent with a reason.
public struct SafeTensors: Equatable, Sendable {
    public struct Tensor: Equatable, Sendable {
        public let shape: [Int]
        public let values: [Float]
        public init(shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "SafeTensors.Tensor: shape \(shape) does not hold \(values.count) values")
            self.shape = shape
            self.values = values
        }
    }

    public var tensors: [String: Tensor]
    public var metadata: [String: String]

    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The file's bytes, laid out as the reference writer (Hugging Face's `safetensors`) lays
    /// out an all-F32 file, so the two agree byte for byte: tensors in name order, compact JSON
    /// with `__metadata__` first (its keys sorted) and each entry's keys in the order dtype,
    /// shape, data_offsets, then spaces up to an 8-byte boundary before the data.
    public var encoded: Data {
        let names = tensors.keys.sorted()
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(Self.jsonString($0)):\(Self.jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let t = tensors[name]!, end = offset + 4 * t.values.count
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append("\(Self.jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var json = Data("{\(entries.joined(separator: ","))}".utf8)
        json.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for name in names { LittleEndianFloats.append(tensors[name]!.values, to: &data) }
        return data
    }

    /// A JSON string literal escaped as serde_json escapes it: quote, backslash and control
    /// characters; everything else, non-ASCII included, as raw UTF-8.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    public func write(to path: String) throws { try AtomicFile.write(encoded, to: path) }

    /// How many keys the outermost object of a JSON text has, repeats included: the strings
    /// at depth 1 followed by a colon.
    static func topLevelKeyCount(_ text: ArraySlice<UInt8>) -> Int {
        var depth = 0, count = 0, inString = false, escaped = false, stringAtTopLevel = false, afterString = false
        for byte in text {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    afterString = stringAtTopLevel
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true; stringAtTopLevel = depth == 1
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1; afterString = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1; afterString = false
            case UInt8(ascii: ":"): if afterString { count += 1 }; afterString = false
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): break
            default: afterString = false
            }
        }
        return count
    }

    public static func read(_ path: String) throws -> SafeTensors {
        try decode(AtomicFile.read(path), name: path)
    }

    public static func decode(_ data: Data, name: String = "checkpoint") throws -> SafeTensors {
        func fail(_ why: String) -> InputError { InputError("\(name): not a valid .safetensors file: \(why)") }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw fail("shorter than its 8-byte header length") }
        let headerLength = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("header length \(headerLength) exceeds the file size \(bytes.count)")
        }
        let dataStart = 8 + Int(headerLength)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])),
              let header = object as? [String: Any] else { throw fail("header is not a JSON object") }
        // JSON parsers keep the last of two equal keys; the format allows one.
        let keys = Self.topLevelKeyCount(bytes[8..<dataStart])
        guard keys == header.count else { throw fail("the header names a key twice (\(keys) keys, \(header.count) distinct)") }
        var result = SafeTensors()
        if let meta = header["__metadata__"] {
            guard let strings = meta as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
            result.metadata = strings
        }
        let dataSize = bytes.count - dataStart
        var ranges: [(start: Int, end: Int, key: String)] = []
        for (key, value) in header where key != "__metadata__" {
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  shape.count == (entry["shape"] as? [Any])?.count,
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2 else { throw fail("tensor '\(key)' lacks dtype, shape or data_offsets") }
            let width: Int
            switch dtype {
            case "F32": width = 4
            case "F64": width = 8
            default: throw fail("tensor '\(key)' has dtype \(dtype); only F32 and F64 are supported")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor '\(key)' has a negative dimension") }
            guard let (count, size) = LittleEndianFloats.size(of: shape, width: width) else {
                throw fail("tensor '\(key)' has shape \(shape), more elements than can be addressed")
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataSize,
                  offsets[1] - offsets[0] == size else {
                throw fail("tensor '\(key)' offsets \(offsets) do not match shape \(shape) within \(dataSize) data bytes")
            }
            let values = bytes.withUnsafeBytes {
                LittleEndianFloats.read($0, offset: dataStart + offsets[0], count: count, width: width)
            }
            result.tensors[key] = Tensor(shape: shape, values: values)
            ranges.append((offsets[0], offsets[1], key))
        }
        // The format's rule: the tensors tile the data buffer, in order, without holes or overlaps.
        var covered = 0
        for range in ranges.sorted(by: { ($0.start, $0.end) < ($1.start, $1.end) }) {
            guard range.start == covered else {
                throw fail(range.start < covered ? "tensor '\(range.key)' overlaps another at byte \(range.start)"
                                                 : "bytes \(covered)..<\(range.start) of the data belong to no tensor")
            }
            covered = range.end
        }
        guard covered == dataSize else { throw fail("\(dataSize - covered) trailing bytes after the last tensor") }
        return result
    }
}
