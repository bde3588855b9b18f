/// A problem with something a user handed in (a file, a value), with a message that names
/// the problem and where it is. Readers and validators throw it instead of trapping.
public struct InputError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
