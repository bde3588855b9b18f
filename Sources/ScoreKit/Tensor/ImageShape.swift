/// The height and width of grey images stored as rows of a matrix, row-major: pixel (r, c) of
/// an image is coordinate r * width + c of its row.
public struct ImageShape: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let height: Int
    public let width: Int

    public init(height: Int, width: Int) {
        precondition(height >= 1 && width >= 1, "ImageShape: \(height) x \(width) is empty")
        self.height = height
        self.width = width
    }

    /// "h,w" (or "hxw"), each side 1 to 4096; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(omittingEmptySubsequences: false) { $0 == "," || $0 == "x" }
        guard parts.count == 2, let h = Int(parts[0]), let w = Int(parts[1]),
              (1...4096).contains(h), (1...4096).contains(w) else { return nil }
        self.init(height: h, width: w)
    }

    /// Coordinates per image, h * w.
    public var pixels: Int { height * width }

    public var description: String { "\(height)x\(width)" }
}
