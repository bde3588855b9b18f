/// Numbers read from a string map (a checkpoint's metadata: a network's shape, a process's
/// parameters), each checked as the value the engine will hold; a value that fails throws a
/// `Problem` naming its key.
public struct MetadataReader: Sendable {
    public let fields: [String: String]

    public init(_ fields: [String: String]) { self.fields = fields }

    /// Why a field cannot be read, naming it.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public subscript(key: String) -> String? { fields[key] }

    /// A positive integer no larger than `limit`.
    public func integer(_ key: String, atMost limit: Int) throws -> Int {
        guard let text = fields[key], let value = Int(text), value >= 1 else { throw Problem("metadata '\(key)' is missing or not a positive integer") }
        guard value <= limit else { throw Problem("metadata '\(key)' is \(value), above the largest supported \(limit)") }
        return value
    }

    /// A positive finite number.
    public func real(_ key: String) throws -> Double {
        guard let text = fields[key], let value = Double(text), value > 0, value.isFinite else { throw Problem("metadata '\(key)' is missing or not a positive number") }
        return value
    }

    /// A level the engine holds as a Float: checked after narrowing (1e39 is finite as a Double,
    /// infinite as a Float; 1e-46 becomes 0).
    public func float(_ key: String) throws -> Float {
        let value = try real(key)
        guard Float(value).isFinite, Float(value) > 0 else {
            throw Problem("metadata '\(key)' is \(value), outside the range of the Float the engine holds it in")
        }
        return Float(value)
    }
}
