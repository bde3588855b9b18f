/// A failure found while a command runs (not a usage mistake): printed as `Error: <message>`
/// with exit status 1 and no usage text.
public struct RunFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
