/// A dense row-major matrix of `Float`, the unit of data that crosses ScoreKit's API:
/// data sets, samples, scores.
///
/// Element (r, c) is `elements[r * columns + c]`. Value semantics (copy on write).
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public var elements: [Float]

    /// A matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows) x \(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix over existing row-major elements; their count must be `rows * columns`.
    public init(rows: Int, columns: Int, elements: [Float]) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows) x \(columns)")
        precondition(elements.count == rows * columns,
                     "Matrix: \(elements.count) elements do not fill \(rows) x \(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    public subscript(row: Int, column: Int) -> Float {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// Row `r` as a new array.
    public func row(_ r: Int) -> [Float] {
        Array(elements[(r * columns)..<((r + 1) * columns)])
    }

    /// FNV-1a (64-bit) over the shape and every element's bits: a fingerprint that tells whether
    /// a data set is the one a run was trained on.
    public var checksum: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) {
            for byte in 0..<8 { hash = (hash ^ (word >> (8 * UInt64(byte)) & 0xff)) &* 0x100_0000_01b3 }
        }
        mix(UInt64(rows))
        mix(UInt64(columns))
        for value in elements { mix(UInt64(value.bitPattern)) }
        return hash
    }

    /// True when no element is NaN or infinite.
    public var isFinite: Bool { elements.allSatisfy { $0.isFinite } }

    /// How many rows hold a NaN or infinite element (the chains a sampler lost).
    public var nonFiniteRows: Int {
        (0..<rows).filter { r in !elements[(r * columns)..<((r + 1) * columns)].allSatisfy(\.isFinite) }.count
    }

    /// The rows at `indices`, in that order.
    public func gatherRows(_ indices: [Int]) -> Matrix {
        var out = Matrix(rows: indices.count, columns: columns)
        for (i, r) in indices.enumerated() {
            precondition(r >= 0 && r < rows, "Matrix.gatherRows: row \(r) out of 0..<\(rows)")
            for c in 0..<columns { out.elements[i * columns + c] = elements[r * columns + c] }
        }
        return out
    }
}

extension Matrix: Codable {
    enum CodingKeys: String, CodingKey { case rows, columns, elements }

    /// Decodes a matrix, refusing a shape its elements do not fill (as `init(rows:columns:elements:)` would trap).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try container.decode(Int.self, forKey: .rows), columns = try container.decode(Int.self, forKey: .columns)
        let elements = try container.decode([Float].self, forKey: .elements)
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow, count == elements.count else {
            throw DecodingError.dataCorruptedError(forKey: .elements, in: container,
                                                   debugDescription: "\(elements.count) elements do not fill \(rows) x \(columns)")
        }
        self.init(rows: rows, columns: columns, elements: elements)
    }
}
