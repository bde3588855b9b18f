import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitStudies

/// How much of a kernel's sample quality the sampler loses with a perfect score, and what the
/// schedule does about it: annealed Langevin on each kernel's ladder over a small grid of step
/// sizes and steps per level, with the exact perturbed score and with the learned one; and the
/// far-field size of each exact score, which sets how fast chains started wide come in.
extension NoiseStudy {
    /// One schedule of the ladder's sampler, with one score, measured.
    struct ScheduleRun: Codable {
        let kernel: String
        let exact: Bool
        let epsilon: Float
        let stepsPerLevel: Int
        let evaluations: Int
        let slicedW2: Double
        /// Share of samples farther from the origin than any mode's mean plus 6 sd.
        let farShare: Double
        /// Whether some chain ended at NaN or infinity (its step was unstable).
        let diverged: Bool

        /// The table cell: sliced W2 and the far share, or that the chains diverged.
        var cell: String {
            if diverged { return "diverged" }
            return String(format: slicedW2 < 100 ? "%.3f, far %.1f%%" : "%.2e, far %.1f%%", slicedW2, 100 * farShare)
        }

        /// The same for running text.
        var summary: String {
            if diverged { return "diverged" }
            return String(format: slicedW2 < 100 ? "%.3f (far %.1f%%)" : "%.2e (far %.1f%%)", slicedW2, 100 * farShare)
        }
    }

    /// The exact score's size along a ray from the data's centre, at one level.
    struct ScoreTail {
        let kernel: String
        let sigma: Float
        let distances: [Double]
        let sizes: [Double]

        /// Network-free steps a chain at the top level needs to drift in from `start` to `end`
        /// along the ray, at Langevin step alpha: the sum of dr / ((alpha / 2) |s(r)|).
        func drift(from start: Double, to end: Double, alpha: Double) -> Double {
            var steps = 0.0
            for i in 1..<distances.count where distances[i] > end && distances[i - 1] < start {
                let dr = distances[i] - distances[i - 1], size = 0.5 * (sizes[i] + sizes[i - 1])
                steps += dr / (0.5 * alpha * max(size, 1e-300))
            }
            return steps
        }
    }

    /// The grid: step sizes (the ladder's step at its last level) and steps per level.
    var scheduleGrid: (epsilons: [Float], steps: [Int], chains: Int) {
        fast ? ([2e-5, 2e-4], [20], 300) : ([2e-5, 2e-4, 2e-3], [100, 1000], 1000)
    }

    /// Radius beyond which a sample is far out: every mode's mean plus 6 sd.
    static func farRadius(_ mixture: GaussianMixture) -> Double {
        (0..<mixture.componentCount).map { k in
            mixture.means[k].reduce(0) { $0 + $1 * $1 }.squareRoot() + 6 * mixture.variances[k].max()!.squareRoot()
        }.max()!
    }

    /// Runs the grid for one kernel with its exact score and its learned one.
    func scheduleRuns(kernel: any AdditiveNoise, learned: any ScoreFunction, setup: Setup, range: (min: Float, max: Float),
                   rng: inout RandomSource) -> [ScheduleRun] {
        let exact = kernel.corrupted(setup.mixture), far = Self.farRadius(setup.mixture), grid = scheduleGrid
        var runs: [ScheduleRun] = []
        for (isExact, score) in [(true, exact as any ScoreFunction), (false, learned)] {
            for epsilon in grid.epsilons {
                for steps in grid.steps {
                    let sampler = AnnealedLangevin(sigmaMax: range.max, sigmaMin: range.min, stepsPerLevel: steps, epsilon: epsilon, denoise: false)
                    let progress = ProgressLine("\(kernel.name) \(isExact ? "exact" : "learned") eps \(epsilon) T \(steps): step", total: 10 * steps)
                    let run = sampler.sample(count: grid.chains, score: score, rng: &rng) { done, _ in progress.update(done) }
                    let samples = run.samples, diverged = !samples.isFinite
                    let farOut = (0..<samples.rows).filter { i in Double(hypotf(samples[i, 0], samples[i, 1])) > far }.count
                    runs.append(ScheduleRun(kernel: kernel.name, exact: isExact, epsilon: epsilon, stepsPerLevel: steps,
                                            evaluations: run.evaluations,
                                            slicedW2: diverged ? .infinity : SlicedWasserstein.distance(samples, setup.comparison, rng: &rng),
                                            farShare: Double(farOut) / Double(samples.rows), diverged: diverged))
                }
            }
        }
        return runs
    }

    /// |grad log q_sigma| of each kernel's exact perturbed mixture along the ray at 22.5 degrees
    /// (between two modes), from the centre out to `reach`.
    static func scoreTails(kernels: [any AdditiveNoise], mixture: GaussianMixture, sigma: Float, reach: Double) -> [ScoreTail] {
        let distances = (0...240).map { reach * Double($0) / 240 }
        let direction = (cos(Double.pi / 8), sin(Double.pi / 8))
        var ray = Matrix(rows: distances.count, columns: 2)
        for (i, r) in distances.enumerated() { ray[i, 0] = Float(r * direction.0); ray[i, 1] = Float(r * direction.1) }
        return kernels.map { kernel in
            let scores = kernel.corrupted(mixture).scores(ray, sigma: sigma)
            return ScoreTail(kernel: kernel.name, sigma: sigma, distances: distances,
                             sizes: (0..<ray.rows).map { Double(hypotf(scores[$0, 0], scores[$0, 1])) })
        }
    }
}

extension NoiseStudy {
    /// The schedule the study samples with: the Gaussian ladder's toy step and T per level.
    var defaultSchedule: (epsilon: Float, steps: Int) { (Self.langevinEpsilon, fast ? 20 : 100) }

    static let kernelColors = ["gaussian": "#1f77b4", "laplace": "#ff7f0e", "uniform": "#2ca02c", "student-t3": "#d62728"]

    /// Section 2b: the schedule grid (table and figure) and the exact scores' tails.
    func scheduleSection(_ runs: [ScheduleRun], tails: [ScoreTail], setup: Setup, sigmaRange: (Float, Float)) throws -> String {
        func path(_ file: String) -> String { (setup.images as NSString).appendingPathComponent(file) }
        let grid = scheduleGrid
        let columns = grid.epsilons.flatMap { e in grid.steps.map { (e, $0) } }
        var md = """

            ### 2b. Learning or sampling?

            Annealed Langevin on each kernel's ladder (10 levels from \(sigmaRange.1) to \(sigmaRange.0), step \
            alpha_i = eps sigma_i^2 / sigma_L^2, \(grid.chains) chains from N(0, \(sigmaRange.1)^2 I), no final denoising \
            step) for each step size eps and steps per level T, with each kernel's exact perturbed score and with its \
            learned one (DSM where the identity holds, else SSM-VR). Each cell: sliced W2 against fresh data, and the \
            share of samples farther from the origin than \(String(format: "%.2f", Self.farRadius(setup.mixture))) (every \
            mode's mean plus 6 sd, which fresh data almost never reach), or "diverged" when a chain ended at NaN or infinity \
            (a step too large for the score's steepest curvature). The NFE per sample is 10 T.

            | kernel | score | \(columns.map { String(format: "eps %g, T %d", $0.0, $0.1) }.joined(separator: " | ")) |
            |---|---|\(columns.map { _ in "---" }.joined(separator: "|"))|

            """
        for kernel in Self.kernels.map(\.name) {
            for exact in [true, false] {
                let cells = columns.map { e, t -> String in
                    runs.first { $0.kernel == kernel && $0.exact == exact && $0.epsilon == e && $0.stepsPerLevel == t }?.cell ?? "-"
                }
                md += "| \(kernel) | \(exact ? "exact" : "learned") | \(cells.joined(separator: " | ")) |\n"
            }
        }
        let logEpsilons = grid.epsilons.map { log10(Double($0)) }
        // Diverged and exploded runs are drawn at the top, SW2 = 30, so that the working range shows.
        func shown(_ run: ScheduleRun) -> Double { log10(min(max(run.slicedW2, 1e-3), 30)) }
        var figure = SVGFigure(title: "Sliced W2 against the step size (exact: thick; learned: thin; T = \(grid.steps.last!): faint)",
                               xLabel: "log10 eps", yLabel: "log10 sliced W2 (diverged: drawn at 30)",
                               xRange: SVGFigure.range(of: logEpsilons, padding: 0.2),
                               yRange: SVGFigure.range(of: runs.map(shown), padding: 0.1))
        for kernel in Self.kernels.map(\.name) {
            for exact in [true, false] {
                for steps in grid.steps {
                    let line = grid.epsilons.compactMap { e in runs.first { $0.kernel == kernel && $0.exact == exact && $0.epsilon == e && $0.stepsPerLevel == steps } }
                    figure.line(xs: line.map { log10(Double($0.epsilon)) }, ys: line.map(shown),
                                color: Self.kernelColors[kernel] ?? "#333333", width: exact ? 2.5 : 1,
                                opacity: steps == grid.steps.first! ? 1 : 0.45,
                                label: exact && steps == grid.steps.first! ? kernel : nil)
                }
            }
        }
        try FigureFile.write(figure, to: path("noise-schedules.svg"))
        md += "\n![sliced W2 against eps](images/noise-schedules.svg)\n"
        for sigma in Array(Set(tails.map(\.sigma))).sorted() {
            let shown = tails.filter { $0.sigma == sigma }
            var tailFigure = SVGFigure(title: "Size of the exact perturbed score along a ray, sigma = \(sigma)",
                                       xLabel: "distance from the centre", yLabel: "log10 |grad log q_sigma|",
                                       xRange: 0...shown[0].distances.last!,
                                       yRange: SVGFigure.range(of: shown.flatMap { $0.sizes.map { log10(max($0, 1e-6)) } }, padding: 0.2))
            for tail in shown {
                tailFigure.line(xs: tail.distances, ys: tail.sizes.map { log10(max($0, 1e-6)) },
                                color: Self.kernelColors[tail.kernel] ?? "#333333", width: 2, label: tail.kernel)
            }
            // sqrt(2) / sigma per coordinate, and both coordinates grow along this ray.
            let bound = log10(2 / Double(sigma))
            tailFigure.line(xs: [0, shown[0].distances.last!], ys: [bound, bound], color: "#999999", width: 1, label: "2 / sigma (Laplace's limit here)")
            try FigureFile.write(tailFigure, to: path("noise-tail-\(Int(sigma)).svg"))
        }
        let top = tails.filter { $0.sigma == sigmaRange.1 }, start = 2 * Double(sigmaRange.1), end = Self.farRadius(setup.mixture)
        let alpha = Double(defaultSchedule.epsilon) * pow(Double(sigmaRange.1 / sigmaRange.0), 2)
        md += """

            Far from the data the Gaussian-perturbed score grows linearly with the distance, the uniform one too (its \
            box keeps the data's Gaussian tails, though inside the box, sqrt(3) sigma wide, it is flat), the Laplace one \
            levels off at sqrt(2) / sigma per coordinate (2 / sigma in size along this ray) and the Student-t one decays \
            like 1 / r: the drift that brings far chains back weakens in that order.

            | sigma = 1 | sigma = \(sigmaRange.1) |
            |---|---|
            | ![](images/noise-tail-1.svg) | ![](images/noise-tail-\(Int(sigmaRange.1)).svg) |

            Steps a chain at the top level (alpha = \(String(format: "%.3g", alpha)) at eps = \(defaultSchedule.epsilon)) \
            needs to drift in from r = \(String(format: "%g", start)) (2 sigma_max) to r = \(String(format: "%.2f", end)) \
            along the ray with the exact score and no noise, against T = \(defaultSchedule.steps) per level:

            | kernel | \(grid.epsilons.map { String(format: "eps %g", $0) }.joined(separator: " | ")) |
            |---|\(grid.epsilons.map { _ in "---" }.joined(separator: "|"))|

            """
        for tail in top {
            let steps = grid.epsilons.map { e in tail.drift(from: start, to: end, alpha: alpha * Double(e / defaultSchedule.epsilon)) }
            // A zero score somewhere on the way (the uniform kernel's flat box) never brings a chain in.
            md += "| \(tail.kernel) | " + steps.map { $0 < 1e9 ? String(format: "%.0f", $0) : "never (zero score on the way)" }.joined(separator: " | ") + " |\n"
        }
        return md
    }

    /// The split of each kernel's sample quality into sampling and learning, and the cheapest
    /// schedule of the grid that brings its exact-score samples within twice the Gaussian's.
    func samplingAnswer(_ runs: [ScheduleRun], results: [KernelResult], samplerChecks: [SamplerCheck]) -> String {
        let standard = defaultSchedule
        func run(_ kernel: String, exact: Bool, _ epsilon: Float, _ steps: Int) -> ScheduleRun? {
            runs.first { $0.kernel == kernel && $0.exact == exact && $0.epsilon == epsilon && $0.stepsPerLevel == steps }
        }
        guard let gaussian = run("gaussian", exact: true, standard.epsilon, standard.steps) else { return "" }
        var text = String(format: """

            **Learning or sampling?** At the study's schedule (eps %g, T %d; section 2b), with the exact score and \
            with the learned one, sliced W2 (the Gaussian ladder's exact-score samples: %.3f):

            """, standard.epsilon, standard.steps, gaussian.slicedW2)
        for kernel in Self.kernels.map(\.name) {
            guard let exact = run(kernel, exact: true, standard.epsilon, standard.steps),
                  let learned = run(kernel, exact: false, standard.epsilon, standard.steps) else { continue }
            let good = runs.filter { $0.kernel == kernel && $0.exact && $0.slicedW2 <= 2 * gaussian.slicedW2 }
                .min { ($0.evaluations, $0.epsilon) < ($1.evaluations, $1.epsilon) }
            var line = "- \(kernel): exact \(exact.summary), learned \(learned.summary)"
            if !(exact.slicedW2 < 100) {
                line += ": with the exact score the chains diverge (its score is flat inside a box and as steep as the data's "
                    + "own tails outside it, too steep for the top levels' steps)"
                if let good {
                    line += String(format: "; eps %g with T %d brings it to %.3f", good.epsilon, good.stepsPerLevel, good.slicedW2)
                }
            } else if exact.slicedW2 > 2 * gaussian.slicedW2 {
                line += ": the sampler loses most of it even with a perfect score"
                if let good {
                    let fixed = run(kernel, exact: false, good.epsilon, good.stepsPerLevel)!
                    line += String(format: "; eps %g with T %d (NFE %d per sample) brings the exact score to %.3f and the learned one to %.3f",
                                   good.epsilon, good.stepsPerLevel, good.evaluations, good.slicedW2, fixed.slicedW2)
                } else if let best = runs.filter({ $0.kernel == kernel && $0.exact && !$0.diverged }).min(by: { $0.slicedW2 < $1.slicedW2 }) {
                    let fixed = run(kernel, exact: false, best.epsilon, best.stepsPerLevel)!
                    line += String(format: "; no schedule of the grid brings it within twice the Gaussian's, the closest is eps %g with T %d "
                                   + "(NFE %d per sample): exact %@, learned %@", best.epsilon, best.stepsPerLevel, best.evaluations,
                                   best.summary as NSString, fixed.summary as NSString)
                }
            } else if learned.slicedW2 > 2 * exact.slicedW2 {
                line += ": the sampler is fine with the exact score; the gap is learning's"
            } else {
                line += ": both within twice the exact-score value"
            }
            text += line + ".\n"
        }
        return text
    }
}
