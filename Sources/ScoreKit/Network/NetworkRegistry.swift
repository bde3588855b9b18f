/// Every network the checkpoint reader and train-dsm know, by checkpoint format and by name.
/// Adding a network is its own files and one entry here.
public enum NetworkRegistry {
    public static let configurations: [any NetworkConfiguration.Type] = [MLPConfiguration.self, UNetConfiguration.self]

    /// The configuration type whose checkpoints have `format`, or nil.
    public static func configuration(format: String) -> (any NetworkConfiguration.Type)? {
        configurations.first { $0.checkpointFormat == format }
    }

    /// The configuration type called `name` ("mlp", "unet"), or nil.
    public static func configuration(named name: String) -> (any NetworkConfiguration.Type)? {
        configurations.first { $0.networkName == name }
    }

    /// The network `settings` describe, for data of `dimension` dimensions (images of `image`);
    /// throws `NetworkSettings.Problem` naming the option at fault, an unknown kind included.
    public static func configuration(settings: NetworkSettings, dimension: Int, image: ImageShape?, conditioning: Conditioning,
                                     parameterisation: OutputParameterisation) throws -> any NetworkConfiguration {
        guard let type = configuration(named: settings.kind) else {
            throw NetworkSettings.Problem("--network \(settings.kind): use one of \(names.joined(separator: ", "))")
        }
        return try type.init(settings: settings, dimension: dimension, image: image, conditioning: conditioning, parameterisation: parameterisation)
    }

    /// The names, for options' help and errors.
    public static var names: [String] { configurations.map { $0.networkName } }

    /// The formats the reader knows, for its error message.
    public static var formats: [String] { configurations.map { $0.checkpointFormat } }
}
