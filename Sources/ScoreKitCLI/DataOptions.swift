import ArgumentParser
import Foundation
import ScoreKit

/// Data as the tools read it: the training points, and for images their shape and, for the
/// labelled image sets, the whole `ImageSet` (test split and labels).
public struct LoadedData {
    public let points: Matrix
    public let imageShape: ImageShape?
    public let images: ImageSet?

    /// Whether a kernel-density proxy of the data (`SampleReport` without a known mixture) says
    /// something about a learned score: not for images, where in 64 to 784 dimensions it only
    /// measures the distance to the training points, and costs minutes at d = 784.
    public var hasScoreProxy: Bool { imageShape == nil }
}

/// Where the training or reference data comes from: a built-in generator, a built-in image
/// set or a file.
public struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp(
        "A built-in data set (\(ToyDataset.names); default: 8gaussians), an image set (\(ImageDataset.names)) or a .npy / .csv file of points [N, d] (or .npy images [N, h, w]).",
        discussion: """
            digits: 1,797 UCI handwritten digits, 8x8, shipped with the package (1,442 train, 355 test). \
            fashion-mnist: 70,000 Zalando images, 28x28, from Debian's dataset-fashion-mnist (scripts/install-deps.sh --images). \
            Images are scaled to [-1, 1] with uniform dequantisation; the tools train on the training split.
            """, valueName: "name-or-path"))
    public var givenData: String?

    @Option(name: .customLong("data-points"), help: "Points drawn from a built-in 2-D data set (ignored for images and files; default: 50000).")
    public var givenDataPoints: Int?

    /// --data, else 8gaussians.
    public var data: String {
        get { givenData ?? RunConfiguration.standard.data.name }
        set { givenData = newValue }
    }

    /// --data-points, else 50,000.
    public var dataPoints: Int {
        get { givenDataPoints ?? RunConfiguration.standard.data.points }
        set { givenDataPoints = newValue }
    }

    @Option(name: .long, help: ArgumentHelp("fashion-mnist: the folder holding its four IDX files (default: \(ImageDataset.fashionMNISTFolder)).",
                                            valueName: "folder"))
    public var dataFolder: String?

    @Option(name: .long, help: ArgumentHelp("Read a data file's rows as images of this height and width (h * w must be its column count).",
                                            valueName: "h,w"))
    public var imageShape: String?

    public init() {}

    public func validate() throws {
        if let givenDataPoints { try Limits.check(givenDataPoints, "--data-points", in: 1...Limits.dataPoints) }
        if let imageShape, ImageShape(parsing: imageShape) == nil {
            throw ValidationError("--image-shape must be two sizes 1 to 4096 as h,w, got '\(imageShape)'")
        }
        if dataFolder != nil && imageDataset != .fashionMNIST { throw ValidationError("--data-folder is for --data fashion-mnist") }
    }

    /// The built-in 2-D data set, if `--data` names one.
    public var builtIn: ToyDataset? { ToyDataset(rawValue: data) }

    /// The built-in image set, if `--data` names one.
    public var imageDataset: ImageDataset? { ImageDataset(rawValue: data) }

    /// The training points, drawn with `seed` for a built-in set or read from the file.
    public func load(seed: UInt64) throws -> Matrix { try loadData(seed: seed).points }

    /// The data with what is known of its shape; a built-in image set is dequantised with `seed`.
    public func loadData(seed: UInt64) throws -> LoadedData {
        var rng = RandomSource(seed: seed)
        if let builtIn {
            return LoadedData(points: builtIn.sample(count: dataPoints, rng: &rng), imageShape: nil, images: nil)
        }
        if let imageDataset {
            let images = try imageDataset.load(folder: dataFolder, rng: &rng)
            if let imageShape, ImageShape(parsing: imageShape) != images.shape {
                throw ValidationError("--image-shape \(imageShape): \(data) images are \(images.shape)")
            }
            return LoadedData(points: images.train, imageShape: images.shape, images: images)
        }
        guard data.contains(".") || data.contains("/") else {
            throw ValidationError("unknown data set '\(data)': use one of \(ToyDataset.names), \(ImageDataset.names), or a .npy / .csv file")
        }
        var shape = imageShape.flatMap(ImageShape.init(parsing:))
        let points: Matrix
        if data.lowercased().hasSuffix(".npy"), case let array = try NumpyArray.read(data), array.shape.count == 3 {
            // Empty, the shape's last two sizes may be anything, even an overflowing product.
            guard !array.values.isEmpty else { throw ValidationError("\(data): holds no images (shape \(array.shape))") }
            let read = ImageShape(height: max(1, array.shape[1]), width: max(1, array.shape[2]))
            guard shape == nil || shape == read else { throw ValidationError("--image-shape \(imageShape!): \(data) holds \(read) images") }
            shape = read
            points = try DataFile.checked(Matrix(rows: array.shape[0], columns: array.shape[1] * array.shape[2], elements: array.values),
                                          name: data)
        } else {
            points = try DataFile.load(data)
        }
        // One point to compare samples with and another to stand in for a perfect model.
        guard points.rows >= 2 else { throw ValidationError("\(data): holds \(points.rows) point; at least 2 are needed") }
        if let shape, shape.pixels != points.columns {
            throw ValidationError("--image-shape \(shape.height),\(shape.width) has \(shape.pixels) pixels; \(data) has \(points.columns) columns")
        }
        return LoadedData(points: points, imageShape: shape, images: nil)
    }
}
