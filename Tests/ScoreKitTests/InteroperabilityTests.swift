import Foundation
import Testing
import ScoreKit
import ScoreKitCLI

/// The checkpoint and arrays load in the Python tools the field uses. Needs python3 with
/// `safetensors` and `numpy`: CI installs both and sets SCOREKIT_REQUIRE_PYTHON, so there a
/// missing module fails the test. Elsewhere the check is not run, and the run's closing line says
/// so ("with 1 known issue").
@Suite struct InteroperabilityTests {
    static let pythonRequired = ProcessInfo.processInfo.environment["SCOREKIT_REQUIRE_PYTHON"] != nil

    static func python(_ code: String) async throws -> String {
        try await ExternalCommand.output(of: "python3", ["-c", code])
    }

    @Test func pythonLoadsCheckpointsAndArrays() async throws {
        let pythonHasSafetensors = (try? await Self.python("import safetensors, numpy")) != nil
        guard pythonHasSafetensors || Self.pythonRequired else {
            withKnownIssue("not run: python3 lacks safetensors or numpy (pip install safetensors numpy)") {
                Issue.record("the Python interoperability check did not run")
            }
            return
        }
        var rng = RandomSource(seed: 6)
        let config = MLPConfiguration(dimension: 2, hiddenWidth: 5, hiddenLayers: 2)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scorekit-interop-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let checkpointPath = folder + "/model.safetensors", arrayPath = folder + "/x.npy"
        try Checkpoint(configuration: config, parameters: model.parameters.array, sigmaMin: 0.01, sigmaMax: 10,
                       dataset: "8gaussians", seed: 1, step: 2).write(to: checkpointPath)
        let x = Matrix(rows: 3, columns: 2, elements: [0.5, -1, 2, 0, -3, 1.5])
        try NumpyArray(x).write(to: arrayPath)
        let expected = model.score(x, sigma: 0.5)

        // Python recomputes s(x, 0.5) from the loaded weights with the definition in numpy.
        let output = try await Self.python("""
            import numpy as np
            from safetensors import safe_open
            from safetensors.numpy import load_file
            t = load_file('\(checkpointPath)')
            with safe_open('\(checkpointPath)', 'np') as f: meta = f.metadata()
            x = np.load('\(arrayPath)'); sigma = np.float32(0.5)
            h = np.concatenate([x, np.full((len(x), 1), np.log(sigma), np.float32)], axis=1)
            L = int(meta['hidden_layers'])
            for i in range(L):
                u = h @ t[f'layers.{i}.weight'].T + t[f'layers.{i}.bias']
                h = u / (1 + np.exp(-u))
            s = (h @ t[f'layers.{L}.weight'].T + t[f'layers.{L}.bias']) / sigma
            print(meta['dimension'], meta['hidden_width'], t['layers.0.weight'].shape, x.dtype)
            print(' '.join(repr(float(v)) for v in s.ravel()))
            """)
        let lines = output.split(separator: "\n")
        try #require(lines.count == 2, "python printed: \(output)")
        #expect(lines[0] == "2 5 (5, 3) float32")
        // Every value, not a prefix: a short line must fail rather than pass through zip.
        let values = lines[1].split(separator: " ").map { Double($0) }
        #expect(values.count == expected.elements.count, "python printed \(values.count) values, expected \(expected.elements.count)")
        for (a, b) in zip(values, expected.elements) { #expect(isClose(a ?? .nan, Double(b), rel: 1e-5, abs: 1e-6)) }
    }
}
