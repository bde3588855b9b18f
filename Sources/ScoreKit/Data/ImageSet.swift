/// A labelled data set of grey images with a fixed train/test split, each image a row of
/// `pixels` coordinates scaled to [-1, 1].
///
/// Scaling with uniform dequantisation: an image stored with L grey levels v in {0, ..., L-1}
/// becomes x = 2 (v + u) / L - 1 with u ~ U[0, 1) per pixel, drawn once from the data seed. The
/// data then have a density (no point masses at the L levels) whose support is [-1, 1]; the
/// quantised image is recovered as floor((x + 1) L / 2).
public struct ImageSet: Sendable {
    public let name: String
    public let shape: ImageShape
    public let train: Matrix
    public let test: Matrix
    /// Class of each row of `train` and `test` (0-based); empty for unlabelled images.
    public let trainLabels: [Int]
    public let testLabels: [Int]
    /// The classes' names, indexed by label.
    public let classNames: [String]

    public init(name: String, shape: ImageShape, train: Matrix, trainLabels: [Int], test: Matrix, testLabels: [Int],
                classNames: [String]) {
        precondition(train.columns == shape.pixels && test.columns == shape.pixels,
                     "ImageSet: rows of \(train.columns) and \(test.columns) values are not \(shape) images")
        precondition(trainLabels.isEmpty || trainLabels.count == train.rows, "ImageSet: \(trainLabels.count) labels for \(train.rows) training images")
        precondition(testLabels.isEmpty || testLabels.count == test.rows, "ImageSet: \(testLabels.count) labels for \(test.rows) test images")
        precondition((trainLabels + testLabels).allSatisfy { (0..<classNames.count).contains($0) }, "ImageSet: a label outside the classes")
        self.name = name
        self.shape = shape
        self.train = train
        self.test = test
        self.trainLabels = trainLabels
        self.testLabels = testLabels
        self.classNames = classNames
    }

    public var isLabelled: Bool { !trainLabels.isEmpty && !testLabels.isEmpty }

    /// Quantised images (`rows` x pixels, each value below `levels`) scaled to [-1, 1] with
    /// uniform dequantisation noise from `rng`.
    public static func dequantised(_ values: [UInt8], rows: Int, pixels: Int, levels: Int, rng: inout RandomSource) -> Matrix {
        precondition(values.count == rows * pixels && levels >= 2, "ImageSet.dequantised: \(values.count) values for \(rows) x \(pixels)")
        var out = Matrix(rows: rows, columns: pixels)
        let scale = 2 / Float(levels)
        for i in 0..<values.count {
            out.elements[i] = (Float(values[i]) + rng.uniform()) * scale - 1
        }
        return out
    }

    /// The grey level in [0, 1] at which a scaled value shows (clamped): 0 black, 1 white.
    public static func brightness(_ x: Float) -> Float {
        guard x.isFinite else { return x == .infinity ? 1 : 0 }
        return min(1, max(0, (x + 1) / 2))
    }
}
