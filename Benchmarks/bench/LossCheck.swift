import Foundation
import ScoreKit
import ScoreKitCLI

/// Before timing a peer: the engine and the peer compute the DSM and SSM losses of the dsm-toy
/// network on the same weights and batch (written as .safetensors and .npy), and must agree.
enum LossCheck {
    static func run(peer: JAXPeer) throws -> String {
        let config = MLPConfiguration(dimension: 2, hiddenWidth: 128, hiddenLayers: 2)
        let batch = 512
        var rng = RandomSource(seed: 17)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let x = ToyDataset.eightGaussians.sample(count: batch, rng: &rng)
        var sigma = [Float](repeating: 0, count: batch)
        SigmaDistribution.logUniform(min: 0.01, max: 10).fill(&sigma, count: batch, rng: &rng)
        let z = rng.normals(count: batch * 2)
        var v = [Float](repeating: 0, count: batch * 2)
        Projection.rademacher.fill(&v, count: batch, dimension: 2, rng: &rng)

        // DSM: 0.5 mean ||sigma s(x + sigma z, sigma) + z||^2.
        let ws = MLPWorkspace(configuration: config, capacity: batch)
        let perturbed = (0..<(batch * 2)).map { x.elements[$0] + sigma[$0 / 2] * z[$0] }
        model.forward(x: perturbed, sigma: sigma, batch: batch, workspace: ws)
        var dsm = 0.0
        for i in 0..<(batch * 2) { let r = Double(sigma[i / 2] * ws.score[i] + z[i]); dsm += r * r }
        dsm = 0.5 * dsm / Double(batch)
        // SSM as docs/WORKLOADS.md defines it: mean v^T J v + 0.5 ||s||^2 at sigma = 0.1.
        let tangent = MLPWorkspace(configuration: config, capacity: batch, tangentCount: 1)
        model.forward(x: x.elements, sigma: [Float](repeating: 0.1, count: batch), batch: batch, workspace: tangent, directions: v)
        var ssm = 0.0
        for i in 0..<(batch * 2) {
            ssm += Double(v[i]) * Double(tangent.tangentScore[i]) + 0.5 * Double(tangent.score[i]) * Double(tangent.score[i])
        }
        ssm /= Double(batch)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scorekit-losscheck-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Checkpoint(configuration: config, parameters: model.parameters.array, sigmaMin: 0.01, sigmaMax: 10,
                       dataset: "8gaussians", seed: 17, step: 0).write(to: folder + "/model.safetensors")
        try NumpyArray(x).write(to: folder + "/x.npy")
        try NumpyArray(shape: [batch], values: sigma).write(to: folder + "/sigma.npy")
        try NumpyArray(shape: [batch, 2], values: z).write(to: folder + "/z.npy")
        try NumpyArray(shape: [batch, 2], values: v).write(to: folder + "/v.npy")
        let peer = try peer.losses(folder: folder)
        let dsmDiff = abs(dsm - peer.dsm) / abs(peer.dsm), ssmDiff = abs(ssm - peer.ssm) / abs(peer.ssm)
        // Float32 sums over 512 rows in different orders: agreement to 1e-5 relative is all one can ask.
        guard dsmDiff < 1e-4 && ssmDiff < 1e-4 else {
            throw RunFailure(String(format: "the engine and JAX disagree: DSM loss %.7g vs %.7g, SSM loss %.7g vs %.7g",
                                    dsm, peer.dsm, ssm, peer.ssm))
        }
        return String(format: "loss check on shared weights and batch: DSM %.7g (engine) vs %.7g (JAX), SSM %.7g vs %.7g",
                      dsm, peer.dsm, ssm, peer.ssm)
    }
}
