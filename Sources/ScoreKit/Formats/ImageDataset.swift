import Foundation

/// The image data sets the engine knows by name.
///
/// - `digits`: the UCI optical handwritten digits (Alpaydin and Kaynak, 1998; CC BY 4.0), 1,797
///   grey 8 x 8 images with 17 levels, shipped in the package (`Resources/digits.csv.gz`, the copy
///   scikit-learn carries). Fixed split: every fifth image of each class, in file order (the
///   class's 5th, 10th, ...), is a test image: 1,442 train and 355 test.
/// - `fashion-mnist`: Zalando's Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; MIT), 70,000 grey
///   28 x 28 images with 256 levels, read from the gzip-compressed IDX files Debian's package
///   `dataset-fashion-mnist` installs; its own split, 60,000 train and 10,000 test.
///
/// Both are scaled to [-1, 1] with uniform dequantisation (`ImageSet.dequantised`).
public enum ImageDataset: String, CaseIterable, Sendable {
    case digits
    case fashionMNIST = "fashion-mnist"

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Where Debian's `dataset-fashion-mnist` puts its files.
    public static let fashionMNISTFolder = "/usr/share/datasets/fashion-mnist"

    public var shape: ImageShape {
        switch self {
        case .digits: return ImageShape(height: 8, width: 8)
        case .fashionMNIST: return ImageShape(height: 28, width: 28)
        }
    }

    public var classNames: [String] {
        switch self {
        case .digits: return (0...9).map(String.init)
        case .fashionMNIST:
            return ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        }
    }

    /// The data set, dequantised with `rng`; Fashion-MNIST from `folder` (default: Debian's).
    public func load(folder: String? = nil, rng: inout RandomSource) throws -> ImageSet {
        switch self {
        case .digits:
            guard let url = Bundle.module.url(forResource: "digits.csv", withExtension: "gz") else {
                throw InputError("digits: the package's resource digits.csv.gz is missing")
            }
            return try Self.digits(from: AtomicFile.read(url.path), name: url.path, rng: &rng)
        case .fashionMNIST:
            let folder = folder ?? Self.fashionMNISTFolder
            guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("train-images-idx3-ubyte.gz")) else {
                throw InputError("fashion-mnist: no train-images-idx3-ubyte.gz in \(folder); install Debian's dataset-fashion-mnist (scripts/install-deps.sh --images) or name the folder that holds the four IDX files")
            }
            return try Self.idxImages(folder: folder, name: rawValue, levels: 256, classNames: classNames, rng: &rng)
        }
    }

    /// The digits from the gzip-compressed CSV (64 levels then the label per line).
    static func digits(from compressed: Data, name: String, rng: inout RandomSource) throws -> ImageSet {
        let text = String(decoding: try Zlib.gunzip(compressed, name: name, limit: 1 << 24), as: UTF8.self)
        var pixels: [UInt8] = [], labels: [Int] = []
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: ",").map { UInt8($0.trimmingCharacters(in: .whitespaces)) }
            guard fields.count == 65, fields.allSatisfy({ $0 != nil && $0! <= 16 }), fields[64]! <= 9 else {
                throw InputError("\(name): line \(number + 1) is not 64 levels 0...16 and a label 0...9")
            }
            pixels += fields[0..<64].map { $0! }
            labels.append(Int(fields[64]!))
        }
        // The file cycles through the classes, so every fifth image overall would pick two classes.
        var seen = [Int](repeating: 0, count: 10)
        let isTest = labels.map { label -> Bool in
            defer { seen[label] += 1 }
            return seen[label] % 5 == 4
        }
        return split(pixels: pixels, labels: labels, isTest: isTest, dataset: .digits, levels: 17, rng: &rng)
    }

    private static func split(pixels: [UInt8], labels: [Int], isTest: [Bool], dataset: ImageDataset, levels: Int,
                              rng: inout RandomSource) -> ImageSet {
        let d = dataset.shape.pixels
        var train: [UInt8] = [], test: [UInt8] = [], trainLabels: [Int] = [], testLabels: [Int] = []
        for i in labels.indices {
            if isTest[i] {
                test += pixels[(i * d)..<((i + 1) * d)]
                testLabels.append(labels[i])
            } else {
                train += pixels[(i * d)..<((i + 1) * d)]
                trainLabels.append(labels[i])
            }
        }
        return ImageSet(name: dataset.rawValue, shape: dataset.shape,
                        train: ImageSet.dequantised(train, rows: trainLabels.count, pixels: d, levels: levels, rng: &rng),
                        trainLabels: trainLabels,
                        test: ImageSet.dequantised(test, rows: testLabels.count, pixels: d, levels: levels, rng: &rng),
                        testLabels: testLabels, classNames: dataset.classNames)
    }

    /// The four MNIST-layout files of `folder`: {train, t10k}-{images-idx3, labels-idx1}-ubyte.gz.
    static func idxImages(folder: String, name: String, levels: Int, classNames: [String], rng: inout RandomSource) throws -> ImageSet {
        func read(_ file: String) throws -> IDXFile {
            let path = (folder as NSString).appendingPathComponent(file)
            return try IDXFile.decode(Zlib.gunzip(AtomicFile.read(path), name: path, limit: 1 << 28), name: path)
        }
        var parts: [(images: [UInt8], labels: [Int], rows: Int)] = []
        var shape: ImageShape?
        for prefix in ["train", "t10k"] {
            let images = try read("\(prefix)-images-idx3-ubyte.gz"), labels = try read("\(prefix)-labels-idx1-ubyte.gz")
            let files = "\(folder)/\(prefix)-*"
            guard images.shape.count == 3, labels.shape.count == 1, images.shape[0] == labels.shape[0], images.shape[0] > 0 else {
                throw InputError("\(files): images \(images.shape) and labels \(labels.shape) do not match as [N, h, w] and [N]")
            }
            let this = ImageShape(height: max(1, images.shape[1]), width: max(1, images.shape[2]))
            guard this.pixels * images.shape[0] == images.bytes.count, shape == nil || shape == this else {
                throw InputError("\(files): images of \(images.shape[1]) x \(images.shape[2]) pixels, expected \(shape ?? this)")
            }
            if let bad = labels.bytes.first(where: { Int($0) >= classNames.count }) {
                throw InputError("\(files): label \(bad) outside 0...\(classNames.count - 1)")
            }
            shape = this
            parts.append((images.bytes, labels.bytes.map(Int.init), images.shape[0]))
        }
        let d = shape!.pixels
        return ImageSet(name: name, shape: shape!,
                        train: ImageSet.dequantised(parts[0].images, rows: parts[0].rows, pixels: d, levels: levels, rng: &rng),
                        trainLabels: parts[0].labels,
                        test: ImageSet.dequantised(parts[1].images, rows: parts[1].rows, pixels: d, levels: levels, rng: &rng),
                        testLabels: parts[1].labels, classNames: classNames)
    }
}
