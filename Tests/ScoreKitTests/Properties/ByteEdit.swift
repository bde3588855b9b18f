import ScoreKit

/// One way a damaged or crafted file differs from a good one. Positions are taken modulo the
/// file's length when applied, so an edit drawn for one file applies to any.
enum ByteEdit: CustomStringConvertible {
    /// A byte overwritten.
    case set(at: Int, to: UInt8)
    /// The file cut short.
    case truncate(keeping: Int)
    /// Stray bytes inserted.
    case insert(at: Int, bytes: [UInt8])
    /// The k-th run of ASCII digits (a size or number in a text header) replaced by `text`.
    case number(run: Int, text: String)
    /// A binary field of `width` bytes overwritten with `value`, little- or big-endian.
    case word(at: Int, value: UInt64, width: Int, bigEndian: Bool)

    /// Numbers that break readers that check a value where it is read but not where it is used.
    static let hostileNumbers = ["0", "-1", "1e39", "-1e39", "1e-46", "3.4028236e38", "nan", "inf", "-0", "1e308", "1e309",
                                 "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616",
                                 "99999999999999999999999", "2", "1", "65536", "100001"]
    static let hostileWords: [UInt64] = [0, 1, 7, 255, 1 << 16, 1 << 31, 1 << 32, UInt64(UInt32.max), UInt64(Int64.max), .max, .max - 7]

    static func draw(_ rng: inout RandomSource, length: Int) -> ByteEdit {
        // Headers come first in every format, so most edits land in the first 64 bytes.
        let position = rng.int(in: 0...3) == 0 ? rng.int(in: 0...max(0, length - 1)) : rng.int(in: 0...63)
        switch rng.int(in: 0...4) {
        case 0: return .set(at: position, to: rng.pick([0, 0xFF, 0x7F, 0x80, UInt8(ascii: "\""), UInt8(ascii: "9"), UInt8(truncatingIfNeeded: rng.next())]))
        case 1: return .truncate(keeping: rng.int(in: 0...max(0, length - 1)))
        case 2: return .insert(at: position, bytes: (0..<rng.int(in: 1...8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        case 3: return .number(run: rng.int(in: 0...15), text: rng.pick(hostileNumbers))
        default: return .word(at: position, value: rng.pick(hostileWords), width: rng.pick([1, 2, 4, 8]), bigEndian: rng.int(in: 0...1) == 1)
        }
    }

    func apply(to bytes: inout [UInt8]) {
        switch self {
        case let .set(at, value):
            guard !bytes.isEmpty else { return }
            bytes[at % bytes.count] = value
        case let .truncate(keeping):
            bytes = Array(bytes.prefix(keeping))
        case let .insert(at, inserted):
            bytes.insert(contentsOf: inserted, at: bytes.isEmpty ? 0 : at % (bytes.count + 1))
        case let .number(run, text):
            let runs = Self.digitRuns(bytes)
            guard !runs.isEmpty else { return }
            bytes.replaceSubrange(runs[run % runs.count], with: Array(text.utf8))
        case let .word(at, value, width, bigEndian):
            guard bytes.count >= width else { return }
            let start = at % (bytes.count - width + 1)
            for k in 0..<width {
                let shift = 8 * (bigEndian ? width - 1 - k : k)
                bytes[start + k] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
            }
        }
    }

    static func digitRuns(_ bytes: [UInt8]) -> [Range<Int>] {
        var runs: [Range<Int>] = [], start: Int?
        for (i, byte) in bytes.enumerated() {
            let digit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            if digit, start == nil { start = i }
            if !digit, let s = start { runs.append(s..<i); start = nil }
        }
        if let s = start { runs.append(s..<bytes.count) }
        return runs
    }

    var description: String {
        switch self {
        case let .set(at, value): return "byte \(at) := \(value)"
        case let .truncate(keeping): return "cut to \(keeping) bytes"
        case let .insert(at, inserted): return "insert \(inserted) at \(at)"
        case let .number(run, text): return "number run \(run) := \(text)"
        case let .word(at, value, width, bigEndian): return "\(width)-byte \(bigEndian ? "big" : "little")-endian word at \(at) := \(value)"
        }
    }
}

/// A good file and the edits that damage it; shrinking drops edits one at a time.
struct DamagedFile: CustomStringConvertible {
    let name: String
    let good: [UInt8]
    let edits: [ByteEdit]

    var bytes: [UInt8] {
        var bytes = good
        for edit in edits { edit.apply(to: &bytes) }
        return bytes
    }

    /// Files made by `make`, each damaged by one to four edits.
    static func generated(_ name: String, _ make: @escaping (inout RandomSource) -> [UInt8]) -> Generated<DamagedFile> {
        Generated(draw: { rng in
            let good = make(&rng)
            return DamagedFile(name: name, good: good, edits: (0..<rng.int(in: 1...4)).map { _ in ByteEdit.draw(&rng, length: good.count) })
        }, shrink: { file in
            file.edits.indices.map { k in
                DamagedFile(name: file.name, good: file.good, edits: Array(file.edits[..<k] + file.edits[(k + 1)...]))
            }
        })
    }

    var description: String { "\(good.count)-byte \(name) with edits [\(edits.map(\.description).joined(separator: "; "))]" }
}
