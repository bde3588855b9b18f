import Foundation
import ScoreKit
import ScoreKitCLI

/// Before timing a peer: the engine and the peer compute the same losses on the same weights and
/// batch (written as .safetensors and .npy), and must agree: the DSM and SSM losses of the
/// dsm-toy network, and the DSM loss of the default U-Net.
enum LossCheck {
    /// Float32 sums in different orders: agreement to 1e-5 relative is all one can ask.
    static let tolerance = 1e-4

    static func mlp(peer: Peer) throws -> String {
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

        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Checkpoint(configuration: config, parameters: model.parameters.array, sigmaMin: 0.01, sigmaMax: 10,
                       dataset: "8gaussians", seed: 17, step: 0).write(to: folder + "/model.safetensors")
        try NumpyArray(x).write(to: folder + "/x.npy")
        try NumpyArray(shape: [batch], values: sigma).write(to: folder + "/sigma.npy")
        try NumpyArray(shape: [batch, 2], values: z).write(to: folder + "/z.npy")
        try NumpyArray(shape: [batch, 2], values: v).write(to: folder + "/v.npy")
        let losses = try peer.losses("--check", folder: folder)
        return try compare([("DSM", dsm, losses["dsm_loss"]), ("SSM", ssm, losses["ssm_loss"])], network: "dsm-toy", peer: peer)
    }

    /// The default U-Net with every weight moved off its start (the zero-initialised layers too),
    /// eight images at levels drawn from DDPM's chain: 0.5 mean ||sigma s(x_t, t) + z||^2.
    static func unet(peers: [Peer]) throws -> [String] {
        let config = UNetConfiguration(height: 28, width: 28), images = 8, d = config.dimension
        var rng = RandomSource(seed: 19)
        let start = config.makeNetwork(rng: &rng).parameters.array
        let model = config.network(parameters: zip(start, rng.normals(count: start.count)).map { $0 + 0.02 * $1 })
        let process = VariancePreserving(), batch = NetworkBatch(capacity: images, dimension: d)
        let clean = rng.normals(count: images * d), noise = rng.normals(count: images * d)
        for i in 0..<images {
            let level = process.trainingLevel(uniform: rng.uniform())
            (batch.sigma[i], batch.outputScale[i], batch.time[i]) = (Float(level.sigma), Float(level.sigma), Float(level.time))
            for j in 0..<d { batch.points[i * d + j] = Float(level.alpha) * clean[i * d + j] + batch.sigma[i] * noise[i * d + j] }
        }
        model.makePass(capacity: images, tangentCount: 0).forward(batch)
        var dsm = 0.0
        for i in 0..<(images * d) { let r = Double(batch.sigma[i / d] * batch.score[i] + noise[i]); dsm += r * r }
        dsm = 0.5 * dsm / Double(images)

        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Checkpoint(configuration: config, parameters: model.parameters.array, process: process, dataset: "normal",
                       seed: 19, step: 0).write(to: folder + "/unet.safetensors")
        try NumpyArray(shape: [images, d], values: batch.points.array).write(to: folder + "/noisy.npy")
        try NumpyArray(shape: [images], values: batch.time.array).write(to: folder + "/time.npy")
        try NumpyArray(shape: [images, d], values: noise).write(to: folder + "/noise.npy")
        return try peers.map { peer in
            try compare([("DSM", dsm, try peer.losses("--check-unet", folder: folder)["dsm_loss"])], network: "U-Net", peer: peer)
        }
    }

    /// The report line, or the disagreement as the run's failure.
    private static func compare(_ losses: [(name: String, engine: Double, peer: Double?)], network: String, peer: Peer) throws -> String {
        let pairs = losses.map { String(format: "%@ %.7g (engine) vs %.7g", $0.name, $0.engine, $0.peer ?? .nan) }.joined(separator: ", ")
        guard losses.allSatisfy({ loss in loss.peer.map { abs($0 - loss.engine) <= tolerance * abs($0) } ?? false }) else {
            throw RunFailure("the engine and \(peer.name) disagree on the \(network)'s losses: \(pairs)")
        }
        return "loss check on the \(network)'s shared weights and batch, against \(peer.name): \(pairs)"
    }

    private static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scorekit-losscheck-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}
