import Foundation
@testable import ScoreKit
import ScoreKitCLI
import ScoreKitStudies
import Testing

/// Image data: gzip and IDX reading, the shipped digits, PNG writing and the grids.
@Suite struct ImageDataTests {
    static func idx(_ shape: [Int], _ bytes: [UInt8]) -> [UInt8] {
        [0, 0, 8, UInt8(shape.count)] + shape.flatMap { size in (0..<4).map { UInt8(truncatingIfNeeded: size >> (24 - 8 * $0)) } } + bytes
    }

    @Test func gzipRoundTripsAndRefusesDamage() throws {
        let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) }
        let packed = Zlib.gzip(payload)
        #expect(try Zlib.gunzip(packed, name: "x.gz", limit: 1 << 20) == Data(payload))
        // Two members, as `cat a.gz b.gz` makes them, read as one.
        #expect(try Zlib.gunzip(packed + Zlib.gzip([1, 2, 3]), name: "x.gz", limit: 1 << 20) == Data(payload + [1, 2, 3]))
        #expect(throws: InputError.self) { try Zlib.gunzip(packed.prefix(packed.count - 9), name: "x.gz", limit: 1 << 20) }
        var corrupt = packed
        corrupt[corrupt.count - 6] ^= 0xff  // the CRC trailer
        #expect(throws: InputError.self) { try Zlib.gunzip(corrupt, name: "x.gz", limit: 1 << 20) }
        #expect(throws: InputError.self) { try Zlib.gunzip(Data(payload), name: "x.gz", limit: 1 << 20) }
        #expect(throws: InputError.self) { try Zlib.gunzip(packed, name: "x.gz", limit: 4999) }
    }

    @Test func idxReadsShapesAndRefusesBadOnes() throws {
        let file = try IDXFile.decode(Data(Self.idx([2, 3, 2], Array(0..<12))), name: "a")
        #expect(file.shape == [2, 3, 2] && file.bytes == Array(0..<12))
        #expect(throws: InputError.self) { try IDXFile.decode(Data(Self.idx([2, 3, 2], Array(0..<11))), name: "a") }
        #expect(throws: InputError.self) { try IDXFile.decode(Data(Self.idx([1 << 31 - 1, 1 << 31 - 1, 1 << 31 - 1], [])), name: "a") }
        var float = Self.idx([2], [0, 0])
        float[2] = 0x0d
        #expect(throws: InputError.self) { try IDXFile.decode(Data(float), name: "a") }
    }

    @Test func idxFolderLoadsAsAnImageSetAndChecksLabels() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scorekit-idx-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func write(_ name: String, _ bytes: [UInt8]) throws {
            try Zlib.gzip(bytes).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(name)))
        }
        try write("train-images-idx3-ubyte.gz", Self.idx([3, 2, 2], [0, 255, 0, 255, 1, 2, 3, 4, 9, 9, 9, 9]))
        try write("train-labels-idx1-ubyte.gz", Self.idx([3], [0, 1, 9]))
        try write("t10k-images-idx3-ubyte.gz", Self.idx([1, 2, 2], [128, 128, 128, 128]))
        try write("t10k-labels-idx1-ubyte.gz", Self.idx([1], [5]))
        var rng = RandomSource(seed: 1)
        let set = try ImageDataset.fashionMNIST.load(folder: folder, rng: &rng)
        #expect(set.shape == ImageShape(height: 2, width: 2) && set.train.rows == 3 && set.test.rows == 1)
        #expect(set.trainLabels == [0, 1, 9] && set.testLabels == [5])
        // Level v becomes 2 (v + u) / 256 - 1 with u in [0, 1).
        #expect(set.train[0, 0] >= -1 && set.train[0, 0] < -1 + 2 / 256.0)
        #expect(set.train[0, 1] >= 1 - 2 / 256.0 && set.train[0, 1] < 1)
        try write("t10k-labels-idx1-ubyte.gz", Self.idx([1], [10]))
        #expect(throws: InputError.self) { try ImageDataset.fashionMNIST.load(folder: folder, rng: &rng) }
        try write("t10k-labels-idx1-ubyte.gz", Self.idx([2], [1, 1]))
        #expect(throws: InputError.self) { try ImageDataset.fashionMNIST.load(folder: folder, rng: &rng) }
        #expect(throws: InputError.self) { try ImageDataset.fashionMNIST.load(folder: folder + "/missing", rng: &rng) }
    }

    @Test func digitsShipWithAFixedSplitOnTheStatedScale() throws {
        var rng = RandomSource(seed: 3)
        let digits = try ImageDataset.digits.load(rng: &rng)
        #expect(digits.train.rows == 1442 && digits.test.rows == 355 && digits.shape.pixels == 64)
        #expect(digits.train.elements.allSatisfy { $0 >= -1 && $0 < 1 } && digits.test.elements.allSatisfy { $0 >= -1 && $0 < 1 })
        // Every class present in both halves, about one tenth each.
        for c in 0..<10 {
            #expect(digits.trainLabels.filter { $0 == c }.count > 130 && digits.testLabels.filter { $0 == c }.count > 30)
        }
        // The first image of the file (a 0) and its levels: 0, 0, 5, 13, ... of 17.
        #expect(digits.trainLabels[0] == 0)
        let levels = digits.train.row(0).prefix(4).map { Int((($0 + 1) * 17 / 2).rounded(.down)) }
        #expect(levels == [0, 0, 5, 13])
        var again = RandomSource(seed: 3)
        #expect(try ImageDataset.digits.load(rng: &again).train == digits.train)
    }

    @Test func pngDecodesInPythonToTheSamePixels() async throws {
        var image = PNGImage(width: 3, height: 2, fill: 0)
        image.pixels = [0, 64, 128, 192, 255, 7]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scorekit-\(getpid()).png").path
        try image.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try await InteroperabilityTests.python("""
            import struct, zlib
            data = open('\(path)', 'rb').read()
            assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
            pos, chunks = 8, {}
            while pos < len(data):
                n, kind = struct.unpack('>I4s', data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + n]
                assert zlib.crc32(kind + body) == struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])[0]
                chunks[kind] = body
                pos += 12 + n
            w, h, depth, colour = struct.unpack('>IIBB', chunks[b'IHDR'][:10])
            raw = zlib.decompress(chunks[b'IDAT'])
            rows = [list(raw[y * (w + 1) + 1:(y + 1) * (w + 1)]) for y in range(h)]
            print(w, h, depth, colour, rows)
            """)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "3 2 8 0 [[0, 64, 128], [192, 255, 7]]")
    }

    @Test func gridsPlaceEachImageInItsCell() {
        let shape = ImageShape(height: 2, width: 3)
        var images = Matrix(rows: 3, columns: 6, repeating: -1)
        images[1, 5] = 1  // image 1, bottom-right pixel white
        let grid = ImageGrid.grid(images, shape: shape, columns: 2, rows: 2, scale: 2, gap: 1)
        // Two rows of cells (3 images), each cell 6 x 4 pixels plus gaps.
        #expect(grid.width == 2 * 7 + 1 && grid.height == 2 * 5 + 1)
        #expect(grid[1, 1] == 0 && grid[0, 0] == 96)
        // Image 1 starts at x = 1 + 7; its pixel (1, 2) spans x 12...13, y 3...4.
        #expect(grid[12, 3] == 255 && grid[13, 4] == 255 && grid[11, 3] == 0)
        let strip = ImageGrid.strips([images, images], shape: shape, images: 3)
        #expect(strip.width == 2 * 4 + 1 && strip.height == 3 * 3 + 1)
        let both = ImageGrid.sideBySide([grid, strip], gap: 4)
        #expect(both.width == grid.width + 4 + strip.width && both.height == grid.height)
        #expect(ImageShape(parsing: "28,28") == ImageShape(height: 28, width: 28) && ImageShape(parsing: "8x0") == nil)
        #expect(ImageShape(parsing: "8x8") != nil && ImageShape(parsing: "8x8x") == nil && ImageShape(parsing: ",8,8") == nil)
    }

    /// train-dsm's report puts two grids side by side: with 4,096-pixel images (the largest
    /// --image-shape takes) 10 x 10 grids made a PNG 81,945 pixels wide, a trap after training.
    @Test func reportGridsOfTheLargestImagesFitAPNG() {
        #expect(ImageReport.gridSide(ImageShape(height: 28, width: 28)) == 10 && ImageReport.gridSide(ImageShape(height: 8, width: 8)) == 10)
        for shape in [ImageShape(height: 1, width: 4096), ImageShape(height: 4096, width: 1), ImageShape(height: 1, width: 820)] {
            let images = Matrix(rows: 100, columns: shape.pixels, repeating: 0)
            let grid = ImageReport.grid(of: images, shape: shape)
            let both = ImageGrid.sideBySide([grid, grid], gap: 3 * ImageReport.scale(shape))
            #expect(both.width <= 1 << 16 && both.height <= 1 << 16 && ImageReport.gridSide(shape) < 10, "\(shape)")
        }
    }
}
