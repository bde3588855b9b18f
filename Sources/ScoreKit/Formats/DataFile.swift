import Foundation

/// A user's data set from disk: `.npy` (float32 or float64, shape [N, d]) or CSV (one point
/// per line, comma or whitespace separated, an optional header line).
public enum DataFile {
    /// The points as an [N, d] matrix. Refuses, with the reason: unknown extensions, empty
    /// files, ragged or non-numeric CSV rows, and NaN or infinite values.
    public static func load(_ path: String) throws -> Matrix {
        try decode(AtomicFile.read(path), format: URL(fileURLWithPath: path).pathExtension, name: path)
    }

    /// The points in `data`, read as `format` ("npy", or "csv" / "txt"); `name` is what errors call it.
    public static func decode(_ data: Data, format: String, name: String) throws -> Matrix {
        let points: Matrix
        switch format.lowercased() {
        case "npy": points = try NumpyArray.decode(data, name: name).matrix()
        case "csv", "txt": points = try decodeCSV(data, name: name)
        default: throw InputError("\(name): unknown data format (use .npy or .csv)")
        }
        return try checked(points, name: name)
    }

    /// `points` if they hold at least one finite point and nothing else; the checks every
    /// reader of user data applies.
    public static func checked(_ points: Matrix, name: String) throws -> Matrix {
        guard points.rows > 0, points.columns > 0 else { throw InputError("\(name): holds no points") }
        if let bad = points.elements.firstIndex(where: { !$0.isFinite }) {
            throw InputError("\(name): value at row \(bad / points.columns + 1), column \(bad % points.columns + 1) is \(points.elements[bad]); data must be finite")
        }
        return points
    }

    static func decodeCSV(_ data: Data, name: String) throws -> Matrix {
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError("\(name): not UTF-8 text")
        }
        var values: [Float] = []
        var columns = 0, rows = 0
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == ";" })
            guard !fields.isEmpty else { continue }
            let parsed = fields.map { Float($0.trimmingCharacters(in: .whitespaces)) }
            if parsed.contains(where: { $0 == nil }) {
                if rows == 0 && number == 0 { continue }  // a header line
                throw InputError("\(name): line \(number + 1) is not a row of numbers: \(line.prefix(60))")
            }
            if columns == 0 { columns = parsed.count }
            guard parsed.count == columns else {
                throw InputError("\(name): line \(number + 1) has \(parsed.count) values, earlier lines \(columns)")
            }
            values += parsed.map { $0! }
            rows += 1
        }
        return Matrix(rows: rows, columns: columns, elements: values)
    }
}
