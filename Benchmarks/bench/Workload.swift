import ScoreKit

/// One reference workload of docs/WORKLOADS.md.
struct Workload {
    enum Kind { case dsm, ssm, langevin, ddpm, ddim, ode, score }

    let name: String
    let kind: Kind
    let configuration: MLPConfiguration
    let batch: Int

    static let all = [
        Workload(name: "dsm-toy", kind: .dsm, configuration: .init(dimension: 2, hiddenWidth: 128, hiddenLayers: 2), batch: 512),
        Workload(name: "dsm-wide", kind: .dsm, configuration: .init(dimension: 2, hiddenWidth: 512, hiddenLayers: 3), batch: 4096),
        Workload(name: "dsm-image", kind: .dsm, configuration: .init(dimension: 64, hiddenWidth: 1024, hiddenLayers: 3), batch: 256),
        Workload(name: "dsm-fashion", kind: .dsm, configuration: .init(dimension: 784, hiddenWidth: 1024, hiddenLayers: 3), batch: 128),
        Workload(name: "ssm-toy", kind: .ssm, configuration: .init(dimension: 2, hiddenWidth: 128, hiddenLayers: 2), batch: 512),
        Workload(name: "langevin-toy", kind: .langevin, configuration: .init(dimension: 2, hiddenWidth: 128, hiddenLayers: 2), batch: 10_000),
        Workload(name: "ddpm-toy", kind: .ddpm, configuration: timeConditioned, batch: 10_000),
        Workload(name: "ddim-toy", kind: .ddim, configuration: timeConditioned, batch: 10_000),
        Workload(name: "ode-toy", kind: .ode, configuration: timeConditioned, batch: 10_000),
        Workload(name: "score-toy", kind: .score, configuration: timeConditioned, batch: 10_000),
    ]

    /// Every workload's name, in order, for the help.
    static var names: String { all.map(\.name).joined(separator: " ") }

    /// The VP network of the sampler workloads: MLP(2, 128, 2) with a 32-wide time embedding, predicting the noise.
    static let timeConditioned = MLPConfiguration(dimension: 2, hiddenWidth: 128, hiddenLayers: 2, conditioning: .time(width: 32), parameterisation: .noise)

    /// A sampler (or the network alone): its rate counts chains moved one network evaluation.
    var isSampler: Bool { ![.dsm, .ssm].contains(kind) }

    /// Whether the JAX peer implements it (the DSM, SSM and Langevin workloads).
    var hasPeer: Bool { [.dsm, .ssm, .langevin].contains(kind) }

    /// What one unit of the reported rate is: a training step, or one sample moved one step.
    var unit: String { isSampler ? "sample-steps/s" : "steps/s" }

    /// Rows per pass through the network: the sampler evaluates it in chunks (`NetworkScore`);
    /// a sliced step carries one tangent row under each data row.
    var rowsPerPass: Int {
        switch kind {
        case .dsm: return batch
        case .ssm: return 2 * batch
        case .langevin, .ddpm, .ddim, .ode, .score: return min(batch, 512)
        }
    }

    /// Useful FLOPs per step as docs/WORKLOADS.md counts them: 3 x 2 x rows x sum(in x out) for a
    /// training step (forward and two backward products), 2 x N x sum(in x out) for a sampler step.
    var flopsPerStep: Double {
        let passes = isSampler ? 2 * batch : 6 * rowsPerPass
        return Double(passes * configuration.multiplyAddsPerRow)
    }

    /// The matrix products of one step, exactly as the engine issues them (shape and transposes);
    /// a sampler step repeats its chunk's products `batch / rowsPerPass` times.
    var products: [GemmShape] {
        let batch = rowsPerPass
        return configuration.layers.enumerated().flatMap { index, layer -> [GemmShape] in
            let forward = GemmShape(m: batch, n: layer.outputs, k: layer.inputs, transposeA: false, transposeB: true)
            guard !isSampler else { return [forward] }
            let weightGradient = GemmShape(m: layer.outputs, n: layer.inputs, k: batch, transposeA: true, transposeB: false)
            let inputGradient = GemmShape(m: batch, n: layer.inputs, k: layer.outputs, transposeA: false, transposeB: false)
            // The first layer's input gradient is not needed for training, so the engine skips it.
            return index == 0 ? [forward, weightGradient] : [forward, weightGradient, inputGradient]
        }
    }
}

/// One SGEMM call's shape: C[m, n] = op(A)[m, k] op(B)[k, n].
struct GemmShape {
    let m, n, k: Int
    let transposeA, transposeB: Bool

    /// "NT" and the like: how A and B are read.
    var label: String { (transposeA ? "T" : "N") + (transposeB ? "T" : "N") }
}
