import ScoreKit

/// Every sample metric between generated samples and data, each next to the value it takes
/// when the "generated" points are themselves fresh data of the same size: what "perfect"
/// reads at this sample size, since none of these estimators is exactly 0 for finite samples.
public struct SampleQuality: Codable {
    /// The metrics, by what they measure; the raw value is the name reports show.
    public enum Metric: String, CaseIterable, Sendable, Codable {
        case slicedWasserstein = "sliced Wasserstein-2"
        case mmd = "MMD^2 (RBF, unbiased)"
        case mmdPValue = "MMD permutation p-value"
        case energyDistance = "energy distance"
        case precision = "precision (3-NN)"
        case recall = "recall (3-NN)"
        case modeWeights = "mode weights, total variation"
        case modesCovered = "modes covered"
        case meanLogDensity = "mean true log-density"

        /// Which direction is better, for the reader.
        public var better: String {
            switch self {
            case .slicedWasserstein, .mmd, .energyDistance, .modeWeights: return "lower"
            case .mmdPValue, .precision, .recall, .modesCovered: return "higher"
            case .meanLogDensity: return "closer"
            }
        }

        /// Fewest points each set needs for the estimate to exist.
        public var minimumPoints: Int {
            switch self {
            case .mmd, .mmdPValue, .energyDistance: return 2
            case .precision, .recall: return PrecisionRecall.neighbours + 1
            case .slicedWasserstein, .modeWeights, .modesCovered, .meanLogDensity: return 1
            }
        }
    }

    public struct Entry: Sendable, Codable {
        public let metric: Metric
        public let value: Double
        public let perfect: Double
        public var better: String { metric.better }
    }

    public let entries: [Entry]
    /// Metrics left out because a set has too few points, each with the reason.
    public let skipped: [String]
    /// The MMD test between samples and data (nil when skipped).
    public let mmd: MaximumMeanDiscrepancy?
    public let modeWeights: ModeWeights?

    /// The entry of `metric`, if it was computed.
    public subscript(metric: Metric) -> Entry? { entries.first { $0.metric == metric } }

    /// - Parameters:
    ///   - samples: the generated points (at least one).
    ///   - data: data to compare them with.
    ///   - holdout: other data, independent of `data`, with as many rows as `samples`: the
    ///     stand-in for a perfect model.
    ///   - mixture: the true density, when known (adds mode weights, coverage, log-density).
    ///   - rng: the draws of the estimators (projections, permutations).
    /// A metric whose estimator needs more points than a set has is skipped and named in `skipped`.
    public init(samples: Matrix, data: Matrix, holdout: Matrix, mixture: GaussianMixture? = nil,
                rng: inout RandomSource) {
        precondition(samples.columns == data.columns && holdout.columns == data.columns, "SampleQuality: dimensions differ")
        precondition(samples.rows >= 1 && data.rows >= 1 && holdout.rows >= 1, "SampleQuality: an empty set")
        let fewest = min(samples.rows, data.rows, holdout.rows)
        var entries: [Entry] = [], skipped: [String] = []
        /// Whether every one of `metrics` can be estimated; notes each that cannot.
        func available(_ metrics: Metric...) -> Bool {
            for metric in metrics where fewest < metric.minimumPoints {
                skipped.append("\(metric.rawValue): needs at least \(metric.minimumPoints) points per set, the smallest has \(fewest)")
            }
            return metrics.allSatisfy { fewest >= $0.minimumPoints }
        }
        func add(_ metric: Metric, _ value: Double, _ perfect: Double) {
            entries.append(Entry(metric: metric, value: value, perfect: perfect))
        }
        add(.slicedWasserstein, SlicedWasserstein.distance(samples, data, rng: &rng), SlicedWasserstein.distance(holdout, data, rng: &rng))
        if available(.mmd, .mmdPValue) {
            let bandwidth = MaximumMeanDiscrepancy.medianHeuristic(data, data, rng: &rng)
            let mmd = MaximumMeanDiscrepancy(samples, data, bandwidth: bandwidth, rng: &rng)
            let reference = MaximumMeanDiscrepancy(holdout, data, bandwidth: bandwidth, rng: &rng)
            self.mmd = mmd
            add(.mmd, mmd.squared, reference.squared)
            add(.mmdPValue, mmd.pValue, reference.pValue)
        } else {
            self.mmd = nil
        }
        if available(.energyDistance) {
            add(.energyDistance, EnergyDistance.between(samples, data), EnergyDistance.between(holdout, data))
        }
        if available(.precision, .recall) {
            let pr = PrecisionRecall(real: data, generated: samples), prReference = PrecisionRecall(real: data, generated: holdout)
            add(.precision, pr.precision, prReference.precision)
            add(.recall, pr.recall, prReference.recall)
        }
        if let mixture {
            let weights = ModeWeights(of: samples, mixture: mixture), perfect = ModeWeights(of: holdout, mixture: mixture)
            add(.modeWeights, weights.totalVariation, perfect.totalVariation)
            add(.modesCovered, weights.coverage, perfect.coverage)
            func meanLogDensity(_ m: Matrix) -> Double {
                (0..<m.rows).reduce(0.0) { $0 + mixture.logDensity(m.row($1).map(Double.init)) } / Double(m.rows)
            }
            add(.meanLogDensity, meanLogDensity(samples), meanLogDensity(holdout))
            modeWeights = weights
        } else {
            modeWeights = nil
        }
        self.entries = entries
        self.skipped = skipped
    }
}
