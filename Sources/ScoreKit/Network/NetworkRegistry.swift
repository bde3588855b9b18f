/// Every network the checkpoint reader knows, by its checkpoint format. Adding a network is its
/// own files and one entry here.
public enum NetworkRegistry {
    public static let configurations: [any NetworkConfiguration.Type] = [MLPConfiguration.self]

    /// The configuration type whose checkpoints have `format`, or nil.
    public static func configuration(format: String) -> (any NetworkConfiguration.Type)? {
        configurations.first { $0.checkpointFormat == format }
    }

    /// The formats the reader knows, for its error message.
    public static var formats: [String] { configurations.map { $0.checkpointFormat } }
}
