import Foundation

/// JSON that keeps every Float and Double bit for bit: Foundation writes the shortest decimal
/// that reads back to the same value, and the non-finite values JSON lacks travel as the strings
/// "inf", "-inf" and "nan". What MPI ranks send each other and what a study keeps to resume.
public enum ExactJSON {
    public static func encode<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }

    public static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: data)
    }
}
