import Foundation
import Testing
import ScoreKit

/// The readers and writers against files made by the reference implementations (NumPy and Hugging
/// Face's `safetensors`; `Fixtures/make_fixtures.py` made them). A round trip through our own
/// writer and reader cannot see a bug made on both sides, such as a wrong byte order or header
/// layout; these fail for it.
@Suite struct ReferenceFileTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func fixture(_ name: String) throws -> Data { try Data(contentsOf: Self.folder.appendingPathComponent(name)) }

    @Test func npyReaderReadsNumpysFilesExactly() throws {
        let f32 = try NumpyArray.decode(fixture("numpy-f32-3x2.npy"))
        #expect(f32 == NumpyArray(shape: [3, 2], values: [-1, -0.75, -0.5, -0.25, 0, 0.25]))
        let oneD = try NumpyArray.decode(fixture("numpy-f32-4.npy"))
        #expect(oneD.shape == [4])
        #expect(oneD.values.map(\.bitPattern) == [0.5, -0.0, 3.25e-3, 1e30].map { (v: Float) in v.bitPattern })
        // float64 values rounded to the nearest Float, bit for bit.
        let f64 = try NumpyArray.decode(fixture("numpy-f64-5.npy"))
        #expect(f64.values.map(\.bitPattern) == [0.1, -2.5, 1.0 / 3, 1e-30, 3.0e38].map { Float($0).bitPattern })
        let v2 = try NumpyArray.decode(fixture("numpy-v2-2x2.npy"))
        #expect(v2 == NumpyArray(shape: [2, 2], values: [1.5, -2, 0, 7]))
    }

    @Test func npyWriterMatchesNumpyByteForByte() throws {
        #expect(NumpyArray(shape: [3, 2], values: [-1, -0.75, -0.5, -0.25, 0, 0.25]).encoded == (try fixture("numpy-f32-3x2.npy")))
        #expect(NumpyArray(shape: [4], values: [0.5, -0.0, 3.25e-3, 1e30]).encoded == (try fixture("numpy-f32-4.npy")))
    }

    @Test func safetensorsReaderReadsTheReferenceFilesExactly() throws {
        let f32 = try SafeTensors.decode(fixture("safetensors-f32.safetensors"))
        #expect(f32.tensors == ["a": .init(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), "b": .init(shape: [1], values: [7])])
        #expect(f32.metadata == ["note": "quote \" and \\ survive"])
        let f64 = try SafeTensors.decode(fixture("safetensors-f64.safetensors"))
        #expect(f64.tensors["w"]?.shape == [2, 2])
        #expect(f64.tensors["w"]?.values.map(\.bitPattern) == [0.1, -1.0 / 3, 2.5, 1e-30].map { Float($0).bitPattern })
    }

    @Test func safetensorsWriterMatchesTheReferenceByteForByte() throws {
        let file = SafeTensors(tensors: ["b": .init(shape: [1], values: [7]), "a": .init(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])],
                               metadata: ["note": "quote \" and \\ survive"])
        #expect(file.encoded == (try fixture("safetensors-f32.safetensors")))
    }
}
