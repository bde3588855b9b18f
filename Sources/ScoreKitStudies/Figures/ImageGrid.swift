import ScoreKit

/// Pictures of image data: rows of a matrix laid out as a grid of grey images in a PNG raster.
/// Values are read on the data's scale, -1 black to 1 white, and clamped.
public enum ImageGrid {
    /// The first `rows` x `columns` images of `images` (fewer rows when there are fewer images),
    /// each pixel drawn as a `scale` x `scale` block, with `gap` pixels of dark grey between them.
    public static func grid(_ images: Matrix, shape: ImageShape, columns: Int, rows: Int, scale: Int = 1, gap: Int = 1) -> PNGImage {
        precondition(images.columns == shape.pixels, "ImageGrid: rows of \(images.columns) values are not \(shape) images")
        precondition(columns >= 1 && rows >= 1 && scale >= 1 && gap >= 0, "ImageGrid: bad layout")
        let shown = min(images.rows, rows * columns)
        let gridRows = max(1, (shown + columns - 1) / columns)
        let cellWidth = shape.width * scale + gap, cellHeight = shape.height * scale + gap
        var out = PNGImage(width: columns * cellWidth + gap, height: gridRows * cellHeight + gap, fill: 96)
        for n in 0..<shown {
            let left = gap + (n % columns) * cellWidth, top = gap + (n / columns) * cellHeight
            for r in 0..<shape.height {
                for c in 0..<shape.width {
                    let level = UInt8((ImageSet.brightness(images[n, r * shape.width + c]) * 255).rounded())
                    for dy in 0..<scale {
                        for dx in 0..<scale { out[left + c * scale + dx, top + r * scale + dy] = level }
                    }
                }
            }
        }
        return out
    }

    /// `panels` left to right, top-aligned, `gap` pixels of white apart.
    public static func sideBySide(_ panels: [PNGImage], gap: Int = 8) -> PNGImage {
        precondition(!panels.isEmpty && gap >= 0, "ImageGrid.sideBySide: no panels")
        let width = panels.reduce(0) { $0 + $1.width } + gap * (panels.count - 1)
        var out = PNGImage(width: width, height: panels.map(\.height).max()!, fill: 255)
        var left = 0
        for panel in panels {
            for y in 0..<panel.height {
                for x in 0..<panel.width { out[left + x, y] = panel[x, y] }
            }
            left += panel.width + gap
        }
        return out
    }

    /// A strip per image: row i shows `stages[k]` row i in column k (e.g. the same images at
    /// increasing t of a forward process). Every stage has the same rows.
    public static func strips(_ stages: [Matrix], shape: ImageShape, images: Int, scale: Int = 1, gap: Int = 1) -> PNGImage {
        precondition(!stages.isEmpty && stages.allSatisfy { $0.rows == stages[0].rows && $0.columns == shape.pixels },
                     "ImageGrid.strips: stages differ in shape")
        let count = min(images, stages[0].rows)
        var interleaved = Matrix(rows: count * stages.count, columns: shape.pixels)
        for i in 0..<count {
            for (k, stage) in stages.enumerated() {
                let row = i * stages.count + k
                for j in 0..<shape.pixels { interleaved[row, j] = stage[i, j] }
            }
        }
        return grid(interleaved, shape: shape, columns: stages.count, rows: count, scale: scale, gap: gap)
    }
}
