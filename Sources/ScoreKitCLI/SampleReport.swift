import Foundation
import ScoreKit
import ScoreKitStudies

/// What the tools report about a model and its samples: the relative score error at several
/// noise levels, against the exact perturbed score for a built-in mixture or else against a
/// kernel-density proxy (which one is said); and every sample metric of `SampleQuality`, each
/// next to its value for fresh data of the same size.
public struct SampleReport {
    public let scoreErrors: [(sigma: Float, relativeError: Double)]
    public let scoreReference: String
    public let quality: SampleQuality

    /// - Parameters:
    ///   - model: the score to measure, or nil when only samples are given.
    ///   - dataset: the built-in data set, if any: fresh points are then drawn for the comparison;
    ///     otherwise `data` is split in two disjoint halves (comparison set and stand-in model).
    ///   - levels: where to measure the score error (its figure plots it against each level's sigma).
    public init(model: (any ScoreFunction)?, samples: Matrix, data: Matrix, dataset: ToyDataset?,
                levels: [NoiseLevel], rng: inout RandomSource) {
        let comparison: Matrix, holdout: Matrix
        if let dataset {
            comparison = dataset.sample(count: samples.rows, rng: &rng)
            holdout = dataset.sample(count: samples.rows, rng: &rng)
        } else {
            let half = min(samples.rows, data.rows / 2)
            comparison = data.gatherRows(Array(0..<half))
            holdout = data.gatherRows(Array((data.rows - half)..<data.rows))
        }
        let mixture = dataset?.mixture
        if let model {
            let target = mixture ?? GaussianMixture.empiricalProxy(of: data, limit: 2000)
            scoreReference = mixture != nil
                ? "the exact score of the perturbed mixture"
                : "a kernel-density proxy: the score of \(min(2000, data.rows)) data points smoothed by N(0, sigma^2)"
            scoreErrors = levels.map { (Float($0.sigma), ScoreError.relative(of: model, target: target, at: $0, rng: &rng)) }
        } else {
            scoreErrors = []
            scoreReference = "none (no model)"
        }
        quality = SampleQuality(samples: samples, data: comparison, holdout: holdout, mixture: mixture, rng: &rng)
    }

    public var lines: [String] {
        var out: [String] = []
        if !scoreErrors.isEmpty { out.append("relative score error against \(scoreReference):") }
        for (sigma, error) in scoreErrors {
            out.append(String(format: "  sigma %-8.4g %.4f", sigma, error))
        }
        out.append("sample metric                    value     fresh data (perfect)")
        for e in quality.entries {
            out.append("  " + e.metric.rawValue.padding(toLength: 31, withPad: " ", startingAt: 0)
                       + String(format: "%-10.4g%.4g  (%@ is better)", e.value, e.perfect, e.better as NSString))
        }
        out += quality.skipped.map { "  skipped: " + $0 }
        return out
    }

    /// The report as a Markdown table.
    public var markdown: String {
        var md = ""
        if !scoreErrors.isEmpty {
            md += "Relative score error E||s - grad log q_sigma||^2 / E||grad log q_sigma||^2, against \(scoreReference):\n\n"
            md += "| sigma | " + scoreErrors.map { String(format: "%.4g", $0.sigma) }.joined(separator: " | ") + " |\n"
            md += "|---|" + scoreErrors.map { _ in "---" }.joined(separator: "|") + "|\n"
            md += "| error | " + scoreErrors.map { String(format: "%.4f", $0.relativeError) }.joined(separator: " | ") + " |\n\n"
        }
        md += "| sample metric | value | fresh data of the same size | better |\n|---|---|---|---|\n"
        for e in quality.entries { md += String(format: "| %@ | %.4g | %.4g | %@ |\n", e.metric.rawValue as NSString, e.value, e.perfect, e.better as NSString) }
        if !quality.skipped.isEmpty { md += "\nSkipped: " + quality.skipped.joined(separator: "; ") + ".\n" }
        return md
    }

    public var json: [String: Any] {
        var out: [String: Any] = [
            "sample_metrics": quality.entries.map { ["metric": $0.metric.rawValue, "value": $0.value, "fresh_data": $0.perfect] },
            "skipped_metrics": quality.skipped,
            "score_reference": scoreReference,
        ]
        if !scoreErrors.isEmpty {
            out["relative_score_error"] = scoreErrors.map { ["sigma": Double($0.sigma), "value": $0.relativeError] }
        }
        if let weights = quality.modeWeights {
            out["mode_fractions"] = weights.fractions
            out["mode_weights"] = weights.weights
        }
        return out
    }
}
