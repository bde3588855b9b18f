import Foundation
import ScoreKit
import Testing

/// Every reader round-trips what its writer writes, bit for bit, and refuses damaged or crafted
/// files with a one-line reason naming the file: never a trap, never a hang, and never more
/// values out than the file holds bytes (memory bounded by the file's size).
@Suite struct ReaderProperties {
    static let name = "crafted.file"

    /// Up to `rank` dimensions of 0 to 4 (so some arrays are empty, and rank 0 is a scalar).
    static func shape(_ rng: inout RandomSource, rank: Int) -> [Int] {
        (0..<rng.int(in: 0...rank)).map { _ in rng.int(in: rng.int(in: 0...9) == 0 ? 0...4 : 1...4) }
    }

    static func sameBits(_ a: [Float], _ b: [Float]) -> Bool { a.map(\.bitPattern) == b.map(\.bitPattern) }

    // MARK: npy and CSV

    static func npy(_ rng: inout RandomSource) -> NumpyArray {
        let shape = shape(&rng, rank: 4)
        return NumpyArray(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in rng.anyFloat() })
    }

    @Test func npyRoundTripsEveryFloat() {
        PropertyCheck.check("npy round trip", cases: 300, Generated(draw: Self.npy)) { array in
            guard let back = try? NumpyArray.decode(array.encoded, name: Self.name) else { return "refused its own file" }
            return back.shape == array.shape && Self.sameBits(back.values, array.values) ? nil : "read back \(back.shape) \(back.values)"
        }
    }

    @Test func damagedNpyIsRefusedWithItsName() {
        PropertyCheck.check("damaged npy", cases: 800, DamagedFile.generated("npy") { [UInt8](Self.npy(&$0).encoded) }) { file in
            let bytes = file.bytes
            return PropertyCheck.refusedOrSound(naming: Self.name, { try NumpyArray.decode(Data(bytes), name: Self.name) }) { array in
                4 * array.values.count <= bytes.count ? nil : "\(array.values.count) values out of \(bytes.count) bytes"
            }
        }
    }

    static func csv(_ rng: inout RandomSource) -> [UInt8] {
        let columns = rng.int(in: 1...4)
        let lines = (0..<rng.int(in: 1...5)).map { _ in
            (0..<columns).map { _ in String(Float(rng.normalDouble() * 10)) }.joined(separator: rng.pick([",", ", ", " ", "\t"]))
        }
        return Array(((rng.int(in: 0...1) == 0 ? ["x,y"] : []) + lines).joined(separator: "\n").utf8)
    }

    @Test func damagedDataFilesAreRefusedOrFinite() {
        PropertyCheck.check("damaged csv", cases: 500, DamagedFile.generated("csv", Self.csv)) { file in
            let bytes = file.bytes
            return PropertyCheck.refusedOrSound(naming: Self.name, { try DataFile.decode(Data(bytes), format: "csv", name: Self.name) }) { points in
                points.elements.allSatisfy(\.isFinite) && points.elements.count <= bytes.count ? nil : "accepted \(points.elements)"
            }
        }
    }

    // MARK: safetensors and checkpoints

    static func safeTensors(_ rng: inout RandomSource) -> SafeTensors {
        var file = SafeTensors()
        for _ in 0..<rng.int(in: 0...4) {
            let name = rng.awkwardString(length: 6)
            guard !name.isEmpty, name != "__metadata__" else { continue }
            let shape = shape(&rng, rank: 3)
            file.tensors[name] = .init(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in rng.anyFloat() })
        }
        for _ in 0..<rng.int(in: 0...3) { file.metadata[rng.awkwardString(length: 5)] = rng.awkwardString(length: 8) }
        return file
    }

    @Test func safeTensorsRoundTripNamesMetadataAndBits() {
        PropertyCheck.check("safetensors round trip", cases: 300, Generated(draw: Self.safeTensors)) { file in
            guard let back = try? SafeTensors.decode(file.encoded, name: Self.name) else { return "refused its own file" }
            guard back.metadata == file.metadata, back.tensors.keys.sorted() == file.tensors.keys.sorted() else {
                return "read back metadata \(back.metadata), tensors \(back.tensors.keys.sorted())"
            }
            for (name, tensor) in file.tensors where back.tensors[name]!.shape != tensor.shape || !Self.sameBits(back.tensors[name]!.values, tensor.values) {
                return "tensor \(name) read back as \(back.tensors[name]!)"
            }
            return nil
        }
    }

    @Test func damagedSafeTensorsAreRefusedWithTheirName() {
        PropertyCheck.check("damaged safetensors", cases: 800, DamagedFile.generated("safetensors") { [UInt8](Self.safeTensors(&$0).encoded) }) { file in
            let bytes = file.bytes
            return PropertyCheck.refusedOrSound(naming: Self.name, { try SafeTensors.decode(Data(bytes), name: Self.name) }) { read in
                let values = read.tensors.values.reduce(0) { $0 + $1.values.count }
                return 4 * values <= bytes.count ? nil : "\(values) values out of \(bytes.count) bytes"
            }
        }
    }

    /// A small MLP or U-Net on any registered process, with optional EMA weights, training state
    /// and run record, its texts awkward.
    static func checkpoint(_ rng: inout RandomSource) -> Checkpoint {
        let conditioning: Conditioning = rng.int(in: 0...1) == 0 ? .logSigma : .time(width: 2 * rng.int(in: 1...4))
        let parameterisation = rng.pick(OutputParameterisation.allCases)
        let configuration: any NetworkConfiguration = rng.int(in: 0...1) == 0
            ? MLPConfiguration(dimension: rng.int(in: 1...6), hiddenWidth: rng.int(in: 1...8), hiddenLayers: rng.int(in: 1...3),
                               conditioning: conditioning, parameterisation: parameterisation)
            : UNetConfiguration(height: 4 * rng.int(in: 1...2), width: 4 * rng.int(in: 1...2), channels: rng.pick([[4], [4, 8]]),
                                blocks: rng.int(in: 1...2), attention: rng.int(in: 0...1) == 0, groups: 4,
                                conditioning: conditioning, parameterisation: parameterisation)
        let low = Float(exp(Double(rng.int(in: -9_000...0)) / 1000))
        let settings = ProcessSettings(sigmas: .logUniform(min: low, max: low * Float(rng.int(in: 2...1000))),
                                       timesteps: rng.int(in: 2...1000), schedule: rng.pick(VariancePreserving.BetaSchedule.allCases))
        let count = configuration.parameterCount
        var checkpoint = Checkpoint(configuration: configuration, parameters: rng.normals(count: count),
                                    emaParameters: rng.int(in: 0...1) == 0 ? rng.normals(count: count) : nil,
                                    process: rng.pick(ProcessRegistry.processes).init(settings: settings),
                                    dataset: rng.awkwardString(length: 8), seed: rng.next(), step: rng.int(in: 0...1_000_000))
        if rng.int(in: 0...1) == 0 {
            checkpoint.training = TrainingState(step: checkpoint.step, random: (0..<4).map { _ in rng.next() | 1 },
                                                lossScale: rng.normalDouble() * 1e3,
                                                optimiser: OptimiserState(step: rng.int(in: 0...1_000_000),
                                                                          buffers: ["m": rng.normals(count: count), "v": rng.normals(count: count)]))
        }
        for _ in 0..<rng.int(in: 0...2) { checkpoint.run[rng.awkwardString(length: 5)] = rng.awkwardString(length: 12) }
        return checkpoint
    }

    @Test func checkpointsRoundTripByteForByte() {
        PropertyCheck.check("checkpoint round trip", cases: 150, Generated(draw: Self.checkpoint)) { checkpoint in
            let bytes = checkpoint.safeTensors.encoded
            do {
                let back = try Checkpoint(SafeTensors.decode(bytes, name: Self.name), name: Self.name)
                return back.safeTensors.encoded == bytes ? nil : "wrote back other bytes: \(back.safeTensors.metadata)"
            } catch {
                return "refused its own file: \(error)"
            }
        }
    }

    /// A good checkpoint's metadata with fields set to hostile numbers or awkward text, or removed.
    struct CraftedCheckpoint: CustomStringConvertible {
        let file: SafeTensors
        let edits: [(key: String, value: String?)]

        var crafted: SafeTensors {
            var file = file
            for edit in edits { file.metadata[edit.key] = edit.value }
            return file
        }
        var description: String { "checkpoint \(file.metadata) with \(edits)" }
    }

    static var craftedCheckpoints: Generated<CraftedCheckpoint> { Generated(draw: { rng in
        let file = checkpoint(&rng).safeTensors
        let keys = file.metadata.keys.sorted() + ["process", "format", "sigma_ladder", "random_state"]
        let edits = (0..<rng.int(in: 1...3)).map { _ -> (key: String, value: String?) in
            (rng.pick(keys), rng.pick([nil, rng.pick(ByteEdit.hostileNumbers), rng.awkwardString(length: 6), "1,2", "0,0,0,0", "true", "eps"]))
        }
        return CraftedCheckpoint(file: file, edits: edits)
    }, shrink: { c in
        c.edits.indices.map { k in CraftedCheckpoint(file: c.file, edits: Array(c.edits[..<k] + c.edits[(k + 1)...])) }
    }) }

    @Test func craftedCheckpointMetadataIsRefusedOrUsable() {
        PropertyCheck.check("crafted checkpoint metadata", cases: 600, Self.craftedCheckpoints) { crafted in
            PropertyCheck.refusedOrSound(naming: Self.name, { try Checkpoint(crafted.crafted, name: Self.name) }) { checkpoint in
                if let problem = ProcessProperties.problem(with: checkpoint.process) { return "accepted a process that is not sound: \(problem)" }
                let network = checkpoint.model()
                return network.parameters.count == checkpoint.configuration.parameterCount ? nil : "network of \(network.parameters.count) parameters"
            }
        }
    }

    @Test func damagedCheckpointFilesAreRefusedWithTheirName() {
        PropertyCheck.check("damaged checkpoint", cases: 400, DamagedFile.generated("checkpoint") { [UInt8](Self.checkpoint(&$0).safeTensors.encoded) }) { file in
            let bytes = file.bytes
            return PropertyCheck.refusedOrSound(naming: Self.name, { try Checkpoint(SafeTensors.decode(Data(bytes), name: Self.name), name: Self.name) }) { checkpoint in
                ProcessProperties.problem(with: checkpoint.process).map { "accepted a process that is not sound: \($0)" }
            }
        }
    }

    // MARK: IDX, gzip and PNG

    static func idx(_ rng: inout RandomSource) -> (shape: [Int], bytes: [UInt8]) {
        let shape = (0..<rng.int(in: 1...4)).map { _ in rng.int(in: 0...5) }
        return (shape, (0..<shape.reduce(1, *)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }

    static func idxFile(_ shape: [Int], _ bytes: [UInt8]) -> [UInt8] {
        [0, 0, 8, UInt8(shape.count)] + shape.flatMap { n in (0..<4).map { UInt8(truncatingIfNeeded: n >> (24 - 8 * $0)) } } + bytes
    }

    @Test func idxRoundTripsAndRefusesDamage() {
        PropertyCheck.check("IDX round trip", cases: 200, Generated(draw: Self.idx)) { idx in
            guard let back = try? IDXFile.decode(Data(Self.idxFile(idx.shape, idx.bytes)), name: Self.name) else { return "refused a good file" }
            return back.shape == idx.shape && back.bytes == idx.bytes ? nil : "read back \(back.shape)"
        }
        PropertyCheck.check("damaged IDX", cases: 500, DamagedFile.generated("idx") { rng in let idx = Self.idx(&rng); return Self.idxFile(idx.shape, idx.bytes) }) { file in
            let bytes = file.bytes
            return PropertyCheck.refusedOrSound(naming: Self.name, { try IDXFile.decode(Data(bytes), name: Self.name) }) { read in
                read.bytes.count == read.shape.reduce(1, *) && read.bytes.count <= bytes.count ? nil : "read \(read.shape) from \(bytes.count) bytes"
            }
        }
    }

    /// Bytes with repeats, as images have, so that deflate has matches to encode.
    static func compressible(_ rng: inout RandomSource) -> [UInt8] {
        let alphabet = (0..<rng.int(in: 1...8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        return (0..<rng.int(in: 0...600)).map { _ in rng.pick(alphabet) }
    }

    @Test func gzipRoundTripsAndRefusesDamageWithinItsLimit() {
        PropertyCheck.check("gzip round trip", cases: 200, Generated(draw: Self.compressible)) { bytes in
            (try? Zlib.gunzip(Zlib.gzip(bytes), name: Self.name, limit: 600)).map { [UInt8]($0) == bytes ? nil : "read back other bytes" } ?? "refused a good file"
        }
        PropertyCheck.check("damaged gzip", cases: 600, DamagedFile.generated("gzip") { [UInt8](Zlib.gzip(Self.compressible(&$0))) }) { file in
            let bytes = file.bytes
            return PropertyCheck.refusedOrSound(naming: Self.name, { try Zlib.gunzip(Data(bytes), name: Self.name, limit: 600) }) { out in
                out.count <= 600 ? nil : "\(out.count) bytes out, above the limit"
            }
        }
    }

    /// The engine writes PNG but reads none; the property reads each written file back: chunk
    /// lengths and CRC-32s, the header's size, and the pixels through zlib (the IDAT's deflate
    /// stream rewrapped as gzip, so `Zlib.gunzip` checks it against the scanlines' CRC).
    @Test func pngFilesReadBackToTheirPixels() {
        let images = Generated<PNGImage>(draw: { rng in
            var image = PNGImage(width: rng.int(in: 1...40), height: rng.int(in: 1...40))
            let levels = (0..<rng.int(in: 1...4)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for i in image.pixels.indices { image.pixels[i] = rng.pick(levels) }
            return image
        })
        PropertyCheck.check("PNG read back", cases: 200, images) { image in
            let file = [UInt8](image.encoded)
            func word(_ at: Int) -> Int { file[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
            guard file.prefix(8) == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] else { return "no PNG signature" }
            var at = 8, chunks: [(type: String, body: [UInt8])] = []
            while at + 12 <= file.count {
                let length = word(at), typed = Array(file[(at + 4)..<(at + 8 + length)])
                guard word(at + 8 + length) == Int(Zlib.crc32(typed)) else { return "chunk at \(at) fails its CRC" }
                chunks.append((String(decoding: typed.prefix(4), as: UTF8.self), Array(typed.dropFirst(4))))
                at += 12 + length
            }
            guard at == file.count, chunks.map(\.type) == ["IHDR", "IDAT", "IEND"] else { return "chunks \(chunks.map(\.type)) end at \(at) of \(file.count)" }
            let header = chunks[0].body
            guard header.count == 13, header[0..<4].reduce(0, { $0 << 8 | Int($1) }) == image.width,
                  header[4..<8].reduce(0, { $0 << 8 | Int($1) }) == image.height, Array(header[8...]) == [8, 0, 0, 0, 0] else {
                return "header \(header)"
            }
            let scanlines = (0..<image.height).flatMap { y in [UInt8(0)] + image.pixels[(y * image.width)..<((y + 1) * image.width)] }
            let deflated = chunks[1].body.dropFirst(2).dropLast(4)
            func littleEndian(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
            let gzip = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff] + deflated + littleEndian(Int(Zlib.crc32(scanlines))) + littleEndian(scanlines.count)
            guard let pixels = try? Zlib.gunzip(Data(gzip), name: "IDAT", limit: scanlines.count) else { return "IDAT does not inflate to the scanlines" }
            return [UInt8](pixels) == scanlines ? nil : "IDAT holds other pixels"
        }
    }
}
