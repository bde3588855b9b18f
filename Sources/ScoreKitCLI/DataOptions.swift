import ArgumentParser
import ScoreKit

/// Where the training or reference data comes from: a built-in generator or a file.
public struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A built-in data set (\(ToyDataset.names)) or a .npy / .csv file of points [N, d].",
                                            valueName: "name-or-path"))
    public var data = ToyDataset.eightGaussians.rawValue

    @Option(name: .long, help: "Points drawn from a built-in data set (ignored for files).")
    public var dataPoints = 50_000

    public init() {}

    public func validate() throws {
        try Limits.check(dataPoints, "--data-points", in: 1...Limits.dataPoints)
    }

    /// The built-in data set, if `--data` names one.
    public var builtIn: ToyDataset? { ToyDataset(rawValue: data) }

    /// The points, drawn with `seed` for a built-in set or read from the file.
    public func load(seed: UInt64) throws -> Matrix {
        if let builtIn {
            var rng = RandomSource(seed: seed)
            return builtIn.sample(count: dataPoints, rng: &rng)
        }
        guard data.contains(".") || data.contains("/") else {
            throw ValidationError("unknown data set '\(data)': use one of \(ToyDataset.names), or a .npy / .csv file")
        }
        let points = try DataFile.load(data)
        // One point to compare samples with and another to stand in for a perfect model.
        guard points.rows >= 2 else { throw ValidationError("\(data): holds \(points.rows) point; at least 2 are needed") }
        return points
    }
}
