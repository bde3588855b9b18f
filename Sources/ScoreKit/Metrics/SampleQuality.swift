/// Every sample metric between generated samples and data, each next to the value it takes
/// when the "generated" points are themselves fresh data of the same size: what "perfect"
/// reads at this sample size, since none of these estimators is exactly 0 for finite samples.
public struct SampleQuality {
    public struct Entry: Sendable {
        public let metric: String
        public let value: Double
        public let perfect: Double
        /// Which direction is better, for the reader.
        public let better: String
    }

    public let entries: [Entry]
    /// The MMD test between samples and data.
    public let mmd: MaximumMeanDiscrepancy
    public let modeWeights: ModeWeights?

    /// - Parameters:
    ///   - samples: the generated points.
    ///   - data: data to compare them with.
    ///   - holdout: other data, independent of `data`, with as many rows as `samples`: the
    ///     stand-in for a perfect model.
    ///   - mixture: the true density, when known (adds mode weights, coverage, log-density).
    public init(samples: Matrix, data: Matrix, holdout: Matrix, mixture: GaussianMixture? = nil,
                rng: inout RandomSource) {
        precondition(samples.columns == data.columns && holdout.columns == data.columns, "SampleQuality: dimensions differ")
        var entries: [Entry] = []
        func add(_ metric: String, _ better: String, _ value: Double, _ perfect: Double) {
            entries.append(Entry(metric: metric, value: value, perfect: perfect, better: better))
        }
        add("sliced Wasserstein-2", "lower", SlicedWasserstein.distance(samples, data, rng: &rng),
            SlicedWasserstein.distance(holdout, data, rng: &rng))
        let bandwidth = MaximumMeanDiscrepancy.medianHeuristic(data, data, rng: &rng)
        let mmd = MaximumMeanDiscrepancy(samples, data, bandwidth: bandwidth, rng: &rng)
        self.mmd = mmd
        let reference = MaximumMeanDiscrepancy(holdout, data, bandwidth: bandwidth, rng: &rng)
        add("MMD^2 (RBF, unbiased)", "lower", mmd.squared, reference.squared)
        add("MMD permutation p-value", "higher", mmd.pValue, reference.pValue)
        add("energy distance", "lower", EnergyDistance.between(samples, data), EnergyDistance.between(holdout, data))
        let pr = PrecisionRecall(real: data, generated: samples), prReference = PrecisionRecall(real: data, generated: holdout)
        add("precision (3-NN)", "higher", pr.precision, prReference.precision)
        add("recall (3-NN)", "higher", pr.recall, prReference.recall)
        if let mixture {
            let weights = ModeWeights(of: samples, mixture: mixture), perfect = ModeWeights(of: holdout, mixture: mixture)
            add("mode weights, total variation", "lower", weights.totalVariation, perfect.totalVariation)
            add("modes covered", "higher", weights.coverage, perfect.coverage)
            func meanLogDensity(_ m: Matrix) -> Double {
                (0..<m.rows).reduce(0.0) { $0 + mixture.logDensity(m.row($1).map(Double.init)) } / Double(m.rows)
            }
            add("mean true log-density", "closer", meanLogDensity(samples), meanLogDensity(holdout))
            modeWeights = weights
        } else {
            modeWeights = nil
        }
        self.entries = entries
    }
}
