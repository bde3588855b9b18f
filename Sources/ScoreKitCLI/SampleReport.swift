import Foundation
import ScoreKit

/// What the tools report about a model and its samples: the score error against the exact
/// perturbed score (mixtures only), the mode weights (mixtures only), and the sliced
/// Wasserstein-2 distance to fresh data, next to the same distance between two fresh data
/// samples of equal size (what "perfect" reads at this sample size).
public struct SampleReport {
    public var scoreErrors: [(sigma: Float, relativeError: Double)] = []
    public var modeWeights: ModeWeights?
    public var slicedWasserstein = 0.0
    public var slicedWassersteinDataFloor = 0.0

    public init(model: some NoiseConditionalScore, samples: Matrix, data: Matrix, mixture: GaussianMixture?,
                sigmaRange: ClosedRange<Float>, rng: inout RandomSource) {
        if let mixture {
            let levels = geometricLevels(from: sigmaRange.upperBound, to: sigmaRange.lowerBound, count: 5)
            scoreErrors = levels.map { ($0, ScoreError.relative(of: model, mixture: mixture, sigma: $0, rng: &rng)) }
            modeWeights = ModeWeights(of: samples, mixture: mixture)
        }
        // Compare with data points other than those a built-in set was trained on, where possible.
        let n = min(samples.rows, data.rows / 2)
        let half = data.gatherRows(Array(0..<n)), other = data.gatherRows(Array((data.rows - n)..<data.rows))
        slicedWasserstein = SlicedWasserstein.distance(samples, other, rng: &rng)
        slicedWassersteinDataFloor = SlicedWasserstein.distance(half, other, rng: &rng)
    }

    public var lines: [String] {
        var out: [String] = []
        for (sigma, error) in scoreErrors {
            out.append(String(format: "relative score error at sigma %-8.4g %.4f", sigma, error))
        }
        if let modeWeights {
            let fractions = modeWeights.fractions.map { String(format: "%.3f", $0) }.joined(separator: " ")
            let weights = modeWeights.weights.map { String(format: "%.3f", $0) }.joined(separator: " ")
            out.append("mode fractions of samples   \(fractions)  (true weights \(weights); total variation \(String(format: "%.4f", modeWeights.totalVariation)))")
        }
        out.append(String(format: "sliced Wasserstein-2 to data %.4f  (two data samples of the same size: %.4f)",
                          slicedWasserstein, slicedWassersteinDataFloor))
        return out
    }

    public var json: [String: Any] {
        var out: [String: Any] = [
            "sliced_wasserstein2": slicedWasserstein,
            "sliced_wasserstein2_data_vs_data": slicedWassersteinDataFloor,
        ]
        if !scoreErrors.isEmpty {
            out["relative_score_error"] = scoreErrors.map { ["sigma": Double($0.sigma), "value": $0.relativeError] }
        }
        if let modeWeights {
            out["mode_fractions"] = modeWeights.fractions
            out["mode_weights"] = modeWeights.weights
            out["mode_total_variation"] = modeWeights.totalVariation
        }
        return out
    }
}
