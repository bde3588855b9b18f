import Foundation
import Testing
import ScoreKit
import ScoreKitCLI

@Suite struct FormatTests {
    func temporaryPath(_ name: String) -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scorekit-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name).path
    }

    /// `data` with the first occurrence of `old` (ASCII) replaced by `new` of the same length.
    func replacing(_ data: Data, _ old: String, with new: String) -> Data {
        var out = data
        let range = data.range(of: Data(old.utf8))!
        out.replaceSubrange(range, with: Data(new.utf8))
        return out
    }

    @Test func npyRoundTripsAndAlignsData() throws {
        for shape in [[3, 2], [5], [0, 4], [2, 1, 3]] {
            let count = shape.reduce(1, *)
            let array = NumpyArray(shape: shape, values: (0..<count).map { Float($0) * 0.25 - 1 })
            let data = array.encoded
            let headerLength = Int(data[8]) | Int(data[9]) << 8
            #expect((10 + headerLength) % 64 == 0, "data must start on a 64-byte boundary")
            #expect(try NumpyArray.decode(data) == array)
        }
        let path = temporaryPath("a.npy")
        try NumpyArray(shape: [2, 2], values: [1, 2, 3, 4]).write(to: path)
        #expect(try NumpyArray.read(path).values == [1, 2, 3, 4])
    }

    @Test func npyReadsFloat64() throws {
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0])
        data.append(contentsOf: Array(header.utf8))
        for v in [1.5, -2.25] { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        #expect(try NumpyArray.decode(data) == NumpyArray(shape: [2], values: [1.5, -2.25]))
    }

    @Test func npyRejectsMalformedFiles() {
        let good = NumpyArray(shape: [2, 2], values: [1, 2, 3, 4]).encoded
        var badMagic = good; badMagic[1] = UInt8(ascii: "X")
        let truncated = good.prefix(good.count - 3)
        let intType = replacing(good, "<f4", with: "<i4")
        let fortran = replacing(good, "False", with: "True ")
        for (data, reason) in [(badMagic, "magic"), (Data(truncated), "needs 16 data bytes"), (intType, "not supported"),
                               (fortran, "Fortran"), (Data([1, 2, 3]), "magic")] {
            #expect { try NumpyArray.decode(data) } throws: { error in
                "\(error)".contains(reason)
            }
        }
    }

    /// Sizes in a header are multiplied with overflow checks before anything is allocated.
    /// Rejected: a reader that multiplies the shape plainly (it traps on 2^62 x 4).
    @Test func shapesThatOverflowAreRefused() throws {
        let npy = replacing(NumpyArray(shape: [2, 2], values: [1, 2, 3, 4]).encoded, "(2, 2)", with: "(4611686018427387904, 4)")
        #expect { try NumpyArray.decode(npy) } throws: { "\($0)".contains("more elements than can be addressed") }
        let huge = safetensors(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#, dataBytes: 16)
        #expect { try SafeTensors.decode(huge) } throws: { "\($0)".contains("more elements than can be addressed") }
    }

    /// A .safetensors file with this header text and `dataBytes` zero bytes of data.
    func safetensors(header: String, dataBytes: Int) -> Data {
        let length = UInt64(header.utf8.count)
        return Data((0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + Array(header.utf8) + [UInt8](repeating: 0, count: dataBytes))
    }

    /// The tensors must tile the data buffer. Rejected: a reader that checks each tensor's range
    /// alone, which accepts two tensors reading the same bytes (the wrong weights, silently).
    @Test func safetensorsWhoseTensorsOverlapOrLeaveBytesAreRefused() throws {
        func two(_ a: String, _ b: String, data: Int) -> Data {
            safetensors(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":"# + a + #"},"b":{"dtype":"F32","shape":[2],"data_offsets":"# + b + "}}",
                        dataBytes: data)
        }
        #expect(try SafeTensors.decode(two("[0,8]", "[8,16]", data: 16)).tensors.count == 2)
        let overlap = two("[0,8]", "[4,12]", data: 16), trailing = two("[0,8]", "[8,16]", data: 20), hole = two("[0,8]", "[12,20]", data: 20)
        // The same key twice: JSON parsers keep the last, so the first tensor would vanish unseen.
        let twice = safetensors(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                                dataBytes: 8)
        for (bad, reason) in [(overlap, "overlaps"), (trailing, "trailing bytes"), (hole, "belong to no tensor"), (twice, "names a key twice")] {
            #expect { try SafeTensors.decode(bad) } throws: { "\($0)".contains(reason) }
        }
    }

    @Test func safetensorsRoundTripsAndRejectsMalformedFiles() throws {
        let file = SafeTensors(tensors: ["a": .init(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), "b": .init(shape: [1], values: [7])],
                               metadata: ["note": "quote \" and \\ survive"])
        let data = file.encoded
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(try SafeTensors.decode(data) == file)

        var tooLong = data; tooLong[0] = 0xFF; tooLong[1] = 0xFF
        let notJSON = Data([8, 0, 0, 0, 0, 0, 0, 0] + Array("not json".utf8))
        let shortData = data.prefix(data.count - 4)
        let f16 = replacing(data, "\"F32\"", with: "\"F16\"")
        for (bad, reason) in [(tooLong, "exceeds the file size"), (notJSON, "not a JSON object"),
                              (Data(shortData), "offsets"), (f16, "F16"), (Data([1, 2]), "shorter")] {
            #expect { try SafeTensors.decode(bad) } throws: { error in "\(error)".contains(reason) }
        }
    }

    @Test func checkpointRoundTripsAndRefusesMismatches() throws {
        var rng = RandomSource(seed: 4)
        let config = MLPConfiguration(dimension: 2, hiddenWidth: 6, hiddenLayers: 3)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let checkpoint = Checkpoint(configuration: config, parameters: model.parameters.array,
                                    emaParameters: model.parameters.array.map { $0 * 0.5 },
                                    sigmaMin: 0.01, sigmaMax: 10, dataset: "8gaussians", seed: 9, step: 123)
        let path = temporaryPath("model.safetensors")
        try checkpoint.write(to: path)
        let back = try Checkpoint.read(path)
        #expect(back == checkpoint)
        #expect(back.model().parameters.array == checkpoint.emaParameters)
        #expect(back.model(preferringEMA: false).parameters.array == checkpoint.parameters)
        #expect(try SafeTensors.read(path).tensors["layers.0.weight"]?.shape == [6, 3])
        #expect(try SafeTensors.read(path).tensors["layers.3.bias"]?.shape == [2])

        var file = checkpoint.safeTensors
        file.metadata["hidden_width"] = "7"
        #expect { try Checkpoint(file) } throws: { "\($0)".contains("layers.0.weight has shape [6, 3]") }
        file = checkpoint.safeTensors
        file.metadata["format"] = nil
        #expect { try Checkpoint(file) } throws: { "\($0)".contains("format") }
        file = checkpoint.safeTensors
        file.tensors["layers.1.bias"] = nil
        #expect { try Checkpoint(file) } throws: { "\($0)".contains("layers.1.bias") }
        file = checkpoint.safeTensors
        file.tensors["layers.0.bias"] = .init(shape: [6], values: [0, 0, .nan, 0, 0, 0])
        #expect { try Checkpoint(file) } throws: { "\($0)".contains("NaN") }
        #expect { try Checkpoint.read(temporaryPath("missing.safetensors")) } throws: { "\($0)".contains("no such file") }
    }

    @Test func checkpointRecordsItsProcessAndNetwork() throws {
        // Every process and the network's conditioning and parameterisation survive the file;
        // a file without a process (written before processes were recorded) reads as variance
        // exploding over its sigma range, with a note. Rejected: a schedule, a step count, beta
        // range or parameterisation dropped on the way.
        var rng = RandomSource(seed: 5)
        let config = MLPConfiguration(dimension: 2, hiddenWidth: 4, hiddenLayers: 1, conditioning: .time(width: 6), parameterisation: .noise)
        let parameters = ScoreMLP(configuration: config, rng: &rng).parameters.array
        let processes: [any ForwardProcess] = [VariancePreserving(steps: 250, schedule: .cosine), VariancePreservingSDE(betaMin: 0.2, betaMax: 15),
                                               SubVariancePreservingSDE(), VarianceExploding(sigmas: .geometricLadder(min: 0.1, max: 3, levels: 4))]
        for process in processes {
            let checkpoint = Checkpoint(configuration: config, parameters: parameters, process: process, dataset: "two-moons", seed: 1, step: 2)
            let back = try Checkpoint(SafeTensors.decode(checkpoint.safeTensors.encoded))
            #expect(back == checkpoint && back.note == nil, "\(process.summary)")
            #expect(back.process.summary == process.summary && back.configuration.isSame(as: config))
            #expect(back.process.level(at: 0.5) == process.level(at: 0.5))
        }
        var legacy = Checkpoint(configuration: MLPConfiguration(dimension: 2, hiddenWidth: 4, hiddenLayers: 1),
                                parameters: Array(parameters.prefix(MLPConfiguration(dimension: 2, hiddenWidth: 4, hiddenLayers: 1).parameterCount)),
                                sigmaMin: 0.01, sigmaMax: 10, dataset: "8gaussians", seed: 1, step: 2).safeTensors
        legacy.metadata["process"] = nil
        let old = try Checkpoint(legacy, name: "old.safetensors")
        #expect(old.process is VarianceExploding && old.note?.contains("read as variance exploding") == true)
        var bad = legacy
        bad.metadata["process"] = "vq"
        #expect { try Checkpoint(bad) } throws: { "\($0)".contains("'process' is vq") }
        bad = legacy
        bad.metadata["hidden_width"] = "3037000500"
        #expect { try Checkpoint(bad) } throws: { "\($0)".contains("above the largest supported") }
        // Valid as Doubles, not as the Floats the process holds: refused, naming the field,
        // instead of reaching VarianceExploding's precondition.
        for (key, value, says) in [("sigma_max", "1e39", "'sigma_max' is 1e+39, outside the range of the Float"),
                                   ("sigma_min", "1e-46", "'sigma_min' is 1e-46, outside the range of the Float"),
                                   ("sigma_max", "0.0100000001", "'sigma_min' 0.01 is not below 'sigma_max' 0.01 as Floats"),
                                   ("sigma_ladder", "1,abc,2", "'sigma_ladder' is not a list"),
                                   ("sigma_ladder", "1,,2", "'sigma_ladder' is not a list"),
                                   ("sigma_ladder", "1,1e39", "'sigma_ladder': every sigma must lie in"),
                                   ("sigma_min", "1e-30", "'sigma_min': sigma-min must lie in")] {
            bad = legacy
            bad.metadata["process"] = "ve"
            bad.metadata[key] = value
            #expect { try Checkpoint(bad) } throws: { "\($0)".contains(says) }
        }
    }

    @Test func atomicWriteReplacesWholeFilesAndLeavesNoTemporaries() throws {
        let folder = temporaryPath("atomic")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = (folder as NSString).appendingPathComponent("atomic.txt")
        try AtomicFile.write("first", to: path)
        try AtomicFile.write("second", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["atomic.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).allSatisfy { !$0.hasSuffix(".tmp") })
        #expect { try AtomicFile.write("x", to: "/nonexistent-folder/file.txt") } throws: { "\($0)".contains("cannot write") }
    }

    /// Every Float and Double comes back with the same bits, the non-finite ones and the subnormal
    /// and shortest-decimal edge cases among them: what MPI's gather and a study's records rely on.
    @Test func exactJSONKeepsEveryBit() throws {
        struct Values: Codable { let floats: [Float]; let doubles: [Double]; let matrix: Matrix }
        var rng = RandomSource(seed: 11)
        let floats: [Float] = [.infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -0.0, 0.1, 1 / 3, .ulpOfOne]
            + (0..<200).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }.filter(\.isFinite)
        let doubles: [Double] = [.infinity, .leastNonzeroMagnitude, 0.1, 1e300, -Double.leastNormalMagnitude / 3]
            + (0..<200).map { _ in Double(bitPattern: rng.next()) }.filter(\.isFinite)
        let matrix = Matrix(rows: 2, columns: 2, elements: [.nan, .leastNormalMagnitude / 3, -7, 3.4e38])
        let back = try ExactJSON.decode(Values.self, from: ExactJSON.encode(Values(floats: floats, doubles: doubles, matrix: matrix)))
        #expect(back.floats.map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(back.doubles.map(\.bitPattern) == doubles.map(\.bitPattern))
        #expect(back.matrix.elements[0].isNaN && back.matrix.elements.dropFirst().map(\.bitPattern) == matrix.elements.dropFirst().map(\.bitPattern))
        // A number no Float holds is refused, not read as infinity.
        #expect(try ExactJSON.decode([Float].self, from: Data("[3e38]".utf8)) == [3e38])
        #expect(throws: (any Error).self) { try ExactJSON.decode([Float].self, from: Data("[1e39]".utf8)) }
    }

    @Test func dataFilesLoadAndBadOnesAreRefused() throws {
        let csv = temporaryPath("points.csv")
        try "x,y\n1,2\n3.5,-4\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(try DataFile.load(csv) == Matrix(rows: 2, columns: 2, elements: [1, 2, 3.5, -4]))
        let npy = temporaryPath("points.npy")
        try NumpyArray(shape: [3, 2], values: [1, 2, 3, 4, 5, 6]).write(to: npy)
        #expect(try DataFile.load(npy).rows == 3)

        let cases: [(String, String, String)] = [
            ("ragged.csv", "1,2\n3\n", "has 1 values"),
            ("words.csv", "1,2\nfoo,bar\n", "not a row of numbers"),
            ("empty.csv", "", "holds no points"),
            ("nan.csv", "1,2\nnan,4\n", "must be finite"),
            ("points.json", "[]", "unknown data format"),
        ]
        for (name, text, reason) in cases {
            let path = temporaryPath(name)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect { try DataFile.load(path) } throws: { "\($0)".contains(reason) }
        }
        #expect { try DataFile.load(temporaryPath("absent.csv")) } throws: { "\($0)".contains("no such file") }
    }
}

@Suite struct ToolFileTests {
    /// A U-Net trains at about half a step a second: the progress line's rate keeps its digits.
    @Test func progressRatesKeepTheirDigits() {
        #expect([0.52, 7.346, 12.34, 345.6, 12_345, 2_345_678].map(ProgressLine.rate) == ["0.52", "7.35", "12.3", "346", "12.3k", "2.35M"])
        #expect(ProgressLine.duration(75) == "75s" && ProgressLine.duration(125) == "2m05s")
        // A run resumed at step 2,133 that reached 2,880 in 385 s runs at 1.94 steps/s, not 7.48.
        let resumed = ProgressLine.estimate(done: 2_880, first: 2_133, total: 3_200, seconds: 385)
        #expect(abs(resumed.rate - 1.940) < 1e-3 && abs(resumed.left - 164.9) < 0.1)
    }

    /// Outputs are checked before any work. Rejected: a folder made by FileManager (its error is a
    /// Foundation dump), a file output whose extension is not what is written, and temporaries
    /// left by a killed write piling up.
    @Test func outputPathsAreCheckedAndStaleTemporariesCleared() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("scorekit-outputs-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try OutputPath.prepareFolder(root + "/a/b")
        #expect(FileManager.default.fileExists(atPath: root + "/a/b"))
        try AtomicFile.write("x", to: root + "/a/file")
        #expect { try OutputPath.prepareFolder(root + "/a/file") } throws: { "\($0)".contains("is a file, not a folder") }
        #expect { try OutputPath.prepareFolder(root + "/a/file/below") } throws: { "\($0)".contains("Not a directory") }
        #expect { try OutputPath.prepareFile(root + "/a/out.svg", extension: "npy") } throws: { "\($0)".contains("must name a .npy file") }
        try AtomicFile.write("stale", to: root + "/a/.samples.npy.tmp")
        try OutputPath.prepareFile(root + "/a/samples.npy", extension: "npy")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/a").sorted() == ["b", "file"])
    }

    /// JSON has no infinity: a diverged number becomes null and is listed with where it was.
    /// Rejected: passing it to JSONSerialization (which throws "Invalid number value").
    @Test func nonFiniteNumbersAreWrittenAsNullWithTheirPlace() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scorekit-json-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try JSONReport.write(["errors": [["value": Double.infinity], ["value": 0.5]], "loss": Double.nan, "steps": 3], to: path)
        let read = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        #expect(read["loss"] is NSNull && read["steps"] as? Int == 3)
        #expect((read["errors"] as! [[String: Any]])[1]["value"] as? Double == 0.5)
        #expect(Set(read["non_finite"] as! [String]) == ["errors[0].value is inf", "loss is nan"])
    }
}
