/// A problem with something a user handed in (a file, a value), with a message that names
/// the problem and where it is. Readers and validators throw it instead of trapping.
///
/// The message is one line whatever it quotes: a file's own text (a tensor's name, a metadata
/// value) may hold line breaks and control characters, which are shown escaped.
public struct InputError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) {
        self.message = message.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? $0.escaped(asASCII: true) : String($0) }.joined()
    }
    public var description: String { message }
}
