import ScoreKit
import ScoreKitStudies

/// The relative score error of a model measured during training at a few noise levels,
/// against the exact perturbed score of a mixture or else a kernel-density proxy of the data.
/// Each measurement uses the same 1,000 noisy points per level, so the curve shows the model
/// changing, not the sampling noise of the measurement.
public struct ScoreErrorCurve {
    public let levels: [NoiseLevel]
    public let reference: String
    public private(set) var steps: [Int] = []
    public private(set) var errors: [[Double]] = []
    let target: GaussianMixture
    let seed: UInt64

    public init(data: Matrix, mixture: GaussianMixture?, levels: [NoiseLevel], seed: UInt64) {
        self.levels = levels
        self.seed = seed
        if let mixture {
            target = mixture
            reference = "exact score"
        } else {
            target = GaussianMixture.empiricalProxy(of: data, limit: 1000)
            reference = "kernel-density proxy"
        }
    }

    /// The levels' sigmas, which the figure is labelled by.
    public var sigmas: [Float] { levels.map { Float($0.sigma) } }

    /// The measurements so far as text that reads back bit for bit (`restore(from:)`):
    /// "step:bits,bits,...;..." with each error's IEEE bits in hexadecimal.
    public var record: String {
        zip(steps, errors).map { step, row in "\(step):" + row.map { String($0.bitPattern, radix: 16) }.joined(separator: ",") }
            .joined(separator: ";")
    }

    /// Takes back the measurements of `record`; false (changing nothing) when it does not parse
    /// or does not fit these levels.
    public mutating func restore(from record: String) -> Bool {
        var newSteps: [Int] = [], newErrors: [[Double]] = []
        for entry in record.split(separator: ";") {
            let parts = entry.split(separator: ":")
            guard parts.count == 2, let step = Int(parts[0]) else { return false }
            let row = parts[1].split(separator: ",").compactMap { UInt64($0, radix: 16).map(Double.init(bitPattern:)) }
            guard row.count == levels.count else { return false }
            newSteps.append(step)
            newErrors.append(row)
        }
        (steps, errors) = (newSteps, newErrors)
        return true
    }

    public mutating func measure(_ model: any ScoreNetwork, step: Int) {
        var rng = RandomSource(seed: seed)
        let score = NetworkScore(model: model)
        errors.append(levels.map { ScoreError.relative(of: score, target: target, at: $0, samples: 1000, rng: &rng) })
        steps.append(step)
    }
}
