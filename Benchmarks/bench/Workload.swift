import ScoreKit

/// One reference workload of docs/WORKLOADS.md.
struct Workload {
    enum Kind { case dsm, ssm, langevin, ddpm, ddim, ode, score }

    let name: String
    let kind: Kind
    let configuration: any NetworkConfiguration
    let batch: Int

    static let all = [
        Workload(name: "dsm-toy", kind: .dsm, configuration: MLPConfiguration(dimension: 2, hiddenWidth: 128, hiddenLayers: 2), batch: 512),
        Workload(name: "dsm-wide", kind: .dsm, configuration: MLPConfiguration(dimension: 2, hiddenWidth: 512, hiddenLayers: 3), batch: 4096),
        Workload(name: "dsm-image", kind: .dsm, configuration: MLPConfiguration(dimension: 64, hiddenWidth: 1024, hiddenLayers: 3), batch: 256),
        Workload(name: "dsm-fashion", kind: .dsm, configuration: MLPConfiguration(dimension: 784, hiddenWidth: 1024, hiddenLayers: 3), batch: 128),
        Workload(name: "ssm-toy", kind: .ssm, configuration: MLPConfiguration(dimension: 2, hiddenWidth: 128, hiddenLayers: 2), batch: 512),
        Workload(name: "langevin-toy", kind: .langevin, configuration: MLPConfiguration(dimension: 2, hiddenWidth: 128, hiddenLayers: 2), batch: 10_000),
        Workload(name: "ddpm-toy", kind: .ddpm, configuration: timeConditioned, batch: 10_000),
        Workload(name: "ddim-toy", kind: .ddim, configuration: timeConditioned, batch: 10_000),
        Workload(name: "ode-toy", kind: .ode, configuration: timeConditioned, batch: 10_000),
        Workload(name: "score-toy", kind: .score, configuration: timeConditioned, batch: 10_000),
        Workload(name: "unet-fashion", kind: .dsm, configuration: UNetConfiguration(height: 28, width: 28), batch: 64),
        Workload(name: "unet-sample", kind: .score, configuration: UNetConfiguration(height: 28, width: 28), batch: 256),
    ]

    /// Every workload's name, in order, for the help.
    static var names: String { all.map(\.name).joined(separator: " ") }

    /// The VP network of the sampler workloads: MLP(2, 128, 2) with a 32-wide time embedding, predicting the noise.
    static let timeConditioned = MLPConfiguration(dimension: 2, hiddenWidth: 128, hiddenLayers: 2, conditioning: .time(width: 32), parameterisation: .noise)

    /// A sampler (or the network alone): its rate counts chains moved one network evaluation.
    var isSampler: Bool { ![.dsm, .ssm].contains(kind) }

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

    /// Useful FLOPs per step as docs/WORKLOADS.md counts them: for the MLP 3 x 2 x rows x
    /// sum(in x out) for a training step (forward and two backward products), 2 x N x sum(in x out)
    /// for a sampler step; for the U-Net 2 m n k summed over the products it issues.
    var flopsPerStep: Double {
        guard let mlp = configuration as? MLPConfiguration else {
            return products.reduce(0) { $0 + $1.flops } * (isSampler ? Double(batch) / Double(rowsPerPass) : 1)
        }
        let passes = isSampler ? 2 * batch : 6 * rowsPerPass
        return Double(passes * mlp.multiplyAddsPerRow)
    }

    /// The matrix products of one step, exactly as the engine issues them (shape and transposes);
    /// a sampler step repeats its chunk's products `batch / rowsPerPass` times.
    var products: [ProductShape] { configuration.products(rows: rowsPerPass, training: !isSampler) }

    /// Each distinct product once, in order of first call, with how many times a step calls it:
    /// a U-Net repeats the same shapes hundreds of times, and each is timed once.
    var distinctProducts: [(shape: ProductShape, calls: Int)] {
        var order: [ProductShape] = [], calls: [ProductShape: Int] = [:]
        for shape in products {
            if calls[shape] == nil { order.append(shape) }
            calls[shape, default: 0] += 1
        }
        return order.map { ($0, calls[$0]!) }
    }
}
