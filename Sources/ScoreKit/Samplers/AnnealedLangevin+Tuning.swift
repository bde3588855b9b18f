import RealModule

/// Annealed Langevin's ladder and step size chosen for the data's dimension and a budget of score
/// evaluations, by Song and Ermon's (2020) "Improved techniques for training score-based generative
/// models": technique 2 for the ratio between levels, technique 4 for the step size. A hand-picked
/// ladder that serves 2-D data (10 levels) leaves a 784-dimensional chain far from each level's
/// distribution: its ratio 2.5 against technique 2's 1.08.
extension AnnealedLangevin {
    /// Technique 2: the ratio gamma = sigma_(i-1) / sigma_i between neighbouring levels at which a
    /// point drawn at level i - 1 (norm about sigma_(i-1) sqrt(D)) falls within three standard
    /// deviations of level i's typical norm with probability one half:
    ///
    ///     Phi(sqrt(2D) (gamma - 1) + 3 gamma) - Phi(sqrt(2D) (gamma - 1) - 3 gamma) = 1/2.
    ///
    /// The left side is 0.997 at gamma = 1 and falls to 0 as gamma grows only when sqrt(2D) > 3:
    /// below D = 5 no ratio meets the condition (nil). D = 784 gives 1.0820, D = 3072 1.0398
    /// (CIFAR-10, where the paper's 232 levels from 50 to 0.01 step by 1.0376).
    public static func levelRatio(dimension: Int) -> Double? {
        let k = (2 * Double(dimension)).squareRoot()
        guard k > 3 else { return nil }
        func mass(_ gamma: Double) -> Double {
            standardNormalCDF(k * (gamma - 1) + 3 * gamma) - standardNormalCDF(k * (gamma - 1) - 3 * gamma)
        }
        var low = 1.0, high = 2.0
        while mass(high) >= 0.5 { high *= 2 }
        // The mass rises a little above gamma = 1 before it falls, and crosses one half once.
        for _ in 0..<200 where high - low > low * 1e-15 {
            let middle = (low + high) / 2
            if mass(middle) > 0.5 { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// Technique 4: the step size epsilon at the smallest level sigma_L for T steps per level at
    /// ratio gamma. On a point mass at the origin a chain that arrives with variance
    /// gamma^2 sigma_i^2 (the level above's) leaves level i with
    ///
    ///     s_T^2 / sigma_i^2 = (1 - a)^(2T) (gamma^2 - c) + c,   a = epsilon / (2 sigma_L^2),  c = 2 / (2 - a),
    ///
    /// the same at every level (the paper's Eq. 5, whose steps x + alpha s + sqrt(2 alpha) z are
    /// this type's with alpha halved, so its epsilon is half this one). c > 1 is the discretised
    /// chain's stationary variance, so the ratio never reaches 1: epsilon brings it closest, at
    /// a in (0, 1). T = 1 gives a = 1 - 1/gamma^2 and the ratio 2 - 1/gamma^2.
    public static func stepSize(levelRatio gamma: Double, stepsPerLevel: Int, sigmaMin: Double) -> Double {
        precondition(gamma > 1 && stepsPerLevel >= 1 && sigmaMin > 0, "AnnealedLangevin.stepSize: gamma > 1, T >= 1, sigma_L > 0")
        func excess(_ a: Double) -> Double {
            let c = 2 / (2 - a)
            return abs(Double.pow(1 - a, Double(2 * stepsPerLevel)) * (gamma * gamma - c) + c - 1)
        }
        // A grid finds the basin, a golden-section search its floor.
        let cells = 1000
        let best = (1..<cells).min { excess(Double($0) / Double(cells)) < excess(Double($1) / Double(cells)) }!
        var low = Double(best - 1) / Double(cells), high = Double(best + 1) / Double(cells)
        let golden = (5.0.squareRoot() - 1) / 2
        for _ in 0..<80 {
            let left = high - golden * (high - low), right = low + golden * (high - low)
            if excess(left) < excess(right) { high = right } else { low = left }
        }
        return 2 * (low + high) / 2 * sigmaMin * sigmaMin
    }

    /// The ladder technique 2 gives for `dimension` from `sigmaMax` down to `sigmaMin` (geometric,
    /// its ratio at most `levelRatio`'s), as many steps per level as `evaluations` allows beside
    /// the denoising step (at least one, so a ladder longer than the budget exceeds it), and
    /// technique 4's step size for that ratio and count. Nil below five dimensions, where
    /// technique 2 has no ratio. D = 784 from 41.1 to 0.01 in 100 evaluations: 107 levels of one
    /// step, epsilon 2.9e-5; D = 64 from 9.05: 24 levels of four steps, epsilon 5.3e-5.
    public init?(tunedFor dimension: Int, sigmaMax: Float, sigmaMin: Float, evaluations: Int, denoise: Bool) {
        precondition(sigmaMax > sigmaMin && sigmaMin > 0 && evaluations >= 1, "AnnealedLangevin(tunedFor:): sigmaMax > sigmaMin > 0, evaluations >= 1")
        guard let gamma = Self.levelRatio(dimension: dimension) else { return nil }
        let span = Double(sigmaMax) / Double(sigmaMin)
        let levels = 1 + Int((Double.log(span) / Double.log(gamma)).rounded(.up))
        let steps = max(1, (evaluations - (denoise ? 1 : 0)) / levels)
        let epsilon = Self.stepSize(levelRatio: Double.pow(span, 1 / Double(levels - 1)), stepsPerLevel: steps, sigmaMin: Double(sigmaMin))
        self.init(sigmaMax: sigmaMax, sigmaMin: sigmaMin, levels: levels, stepsPerLevel: steps, epsilon: Float(epsilon), denoise: denoise)
    }
}
