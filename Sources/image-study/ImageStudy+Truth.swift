import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitStudies

extension ImageStudy {
    /// The checks on the digits' stand-in with exact corrupted densities.
    struct GroundTruth {
        struct Identity {
            let process: String
            let level: String
            let check: DenoisingIdentityCheck
            /// E||grad log q||^2 over the pairs: the scale the differences are small against.
            let exactScoreSquared: Double
        }

        /// The corrupted covariances at one blur width, without and with the blur's noise.
        struct Spectrum {
            let blurWidth: Double
            let time: Double
            /// Largest condition number over the classes (nil: the smallest eigenvalue is at
            /// rounding level or below, so the covariance is singular in double precision).
            let conditionBlur: Double?
            let conditionBlurNoise: Double
            /// sqrt(sum_k w_k tr(C_k^-1) / d): the root-mean-square score coordinate.
            let scoreSizeBlur: Double?
            let scoreSizeBlurNoise: Double
        }

        struct LearnedError {
            let process: String
            let level: String
            let relativeError: Double
        }

        /// A process's sampler on the stand-in with the exact score (or restoration) or a learned
        /// one: samples that diverged, and the Fréchet distance (classifier features) of the rest
        /// to fresh stand-in samples.
        struct Sampling {
            let process: String
            let sampler: String
            /// What the sampler steps with: "exact ..." or "learned ...".
            let guide: String
            let diverged: Int
            let frechetDistance: Double?
        }

        let mixture: FullCovarianceMixture
        let pairs: Int
        let identity: [Identity]
        let spectra: [Spectrum]
        let errors: [LearnedError]
        let samplings: [Sampling]
        /// Two independent sets of stand-in samples: the floor of the samplings' distances.
        let samplingFloor: Double
        let samplingCount: Int
    }

    /// Largest over smallest eigenvalue and the root-mean-square score of the mixture's covariances
    /// after A and eta^2; nil when the smallest eigenvalue is at rounding level.
    static func conditioning(_ spectra: [[Double]], weights: [Double]) -> (condition: Double, scoreSize: Double)? {
        var condition = 0.0, trace = 0.0
        for (values, w) in zip(spectra, weights) {
            guard let low = values.first, let high = values.last, low > 1e-14 * high else { return nil }
            condition = max(condition, high / low)
            trace += w * values.reduce(0) { $0 + 1 / $1 }
        }
        return (condition, (trace / Double(spectra[0].count)).squareRoot())
    }

    /// Corrupted points, DSM's target -z / sigma and the exact score, from the mixture through
    /// x~ = A x + sigma z (`corrupt` applies A).
    static func pairs(of mixture: FullCovarianceMixture, count: Int, noise sigma: Double, corrupted q: FullCovarianceMixture,
                      corrupt: (Matrix) -> Matrix, rng: inout RandomSource) -> (corrupted: Matrix, target: Matrix, exact: Matrix) {
        var corrupted = corrupt(mixture.sample(count: count, rng: &rng)), target = corrupted
        for i in corrupted.elements.indices {
            let z = rng.normalDouble()
            corrupted.elements[i] += Float(sigma * z)
            target.elements[i] = Float(-z / sigma)
        }
        return (corrupted, target, q.scores(corrupted))
    }

    /// Vincent's identity on `pairs` drawn at one level: the zero, exact, half exact and a wavy score.
    static func identity(_ process: String, _ level: String, noise: Double, corrupted q: FullCovarianceMixture,
                         pairs: (corrupted: Matrix, target: Matrix, exact: Matrix)) -> GroundTruth.Identity {
        let scores: [(name: String, score: ([Double]) -> [Double])] = [
            ("zero", { x in [Double](repeating: 0, count: x.count) }), ("exact", { q.logDensityAndScore($0).score }),
            ("half exact", { q.logDensityAndScore($0).score.map { 0.5 * $0 } }),
            ("wavy", { x in x.indices.map { sin(x[($0 + 1) % x.count]) / noise } }),
        ]
        return .init(process: process, level: level,
                     check: DenoisingIdentityCheck(kernel: process, corrupted: pairs.corrupted, target: pairs.target,
                                                   exactScore: pairs.exact, scores: scores),
                     exactScoreSquared: pairs.exact.elements.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(pairs.corrupted.rows))
    }

    func groundTruth(setup: Setup, rng: inout RandomSource) throws -> GroundTruth {
        let images = setup.images, d = setup.dimension
        guard let mixture = FullCovarianceMixture.fitted(to: images.train, labels: images.trainLabels, classes: images.classNames.count) else {
            throw RunFailure("the per-class covariances of the \(images.name) are not positive definite: no exact stand-in")
        }
        let count = setup.fast ? 2_000 : 20_000
        let ladder = BlurLadder(shape: setup.shape, levels: setup.fast ? min(blurLevels, 20) : blurLevels, noise: blurNoise)
        let gaussian = try gaussianSetup(setup), vp = gaussian.vp
        func identityMatrix(_ scale: Double) -> [Double] { (0..<(d * d)).map { $0 % (d + 1) == 0 ? scale : 0 } }
        // Levels: two of DDPM's chain and two of the blur ladder, each with its A, noise and corruption.
        let vpLevels = [0.1, 0.5].map { vp.level(at: $0) }
        let blurLevels = [max(1, ladder.levels / 3), ladder.levels]
        var cases: [(process: String, level: String, noise: Double, a: [Double], corrupt: (Matrix) -> Matrix)] = []
        for level in vpLevels {
            cases.append(("gaussian (VP)", String(format: "t = %.2g (alpha %.3f, sigma %.3f)", level.time, level.alpha, level.sigma), level.sigma,
                          identityMatrix(level.alpha), { x in Matrix(rows: x.rows, columns: x.columns, elements: x.elements.map { Float(level.alpha) * $0 }) }))
        }
        for k in blurLevels {
            let t = ladder.blurTime(level: k)
            cases.append(("blur+noise", String(format: "k = %d (blur %.2g px, eta %.3g)", k, (2 * t).squareRoot(), blurNoise), blurNoise,
                          ladder.heat.matrix(at: t), { ladder.blurred($0, level: k) }))
        }
        var identity: [GroundTruth.Identity] = []
        var corruptedSets: [(corrupted: Matrix, exact: Matrix)] = []
        for c in cases {
            guard let q = mixture.transformed(by: c.a, noiseVariance: c.noise * c.noise) else {
                throw RunFailure("\(c.process) at \(c.level): the corrupted covariance is singular")
            }
            let pairs = Self.pairs(of: mixture, count: count, noise: c.noise, corrupted: q, corrupt: c.corrupt, rng: &rng)
            identity.append(Self.identity(c.process, c.level, noise: c.noise, corrupted: q, pairs: pairs))
            corruptedSets.append((pairs.corrupted, pairs.exact))
        }
        let widths = [0.0, 0.5, 1, 2, 4, Double(max(setup.shape.height, setup.shape.width))]
        let spectra = widths.map { width -> GroundTruth.Spectrum in
            let t = width * width / 2, a = ladder.heat.matrix(at: t)
            let blur = Self.conditioning(mixture.transformedSpectra(by: a, noiseVariance: 0), weights: mixture.weights)
            let noisy = Self.conditioning(mixture.transformedSpectra(by: a, noiseVariance: blurNoise * blurNoise), weights: mixture.weights)!
            return .init(blurWidth: width, time: t, conditionBlur: blur?.condition, conditionBlurNoise: noisy.condition,
                         scoreSizeBlur: blur?.scoreSize, scoreSizeBlurNoise: noisy.scoreSize)
        }
        // A network trained on the mixture's own samples, against its exact score at the same levels.
        let trainingSet = mixture.sample(count: setup.fast ? 5_000 : 50_000, rng: &rng)
        let vpNet = try train(setup.configuration(.time(width: 32), .noise),
                              objective: gaussian.chainDSM(dimension: d), data: trainingSet,
                              label: "stand-in gaussian (VP) dsm", setup: setup, rng: &rng)
        let blurNet = try train(setup.configuration(.time(width: 32)),
                                objective: BlurRestoration(ladder: ladder), data: trainingSet,
                                label: "stand-in blur+noise restoration", setup: setup, rng: &rng)
        var errors: [GroundTruth.LearnedError] = []
        for (i, c) in cases.enumerated() {
            let points = corruptedSets[i].corrupted, exact = corruptedSets[i].exact
            let learned: Matrix
            if i < vpLevels.count {
                learned = NetworkScore(model: vpNet.model).scores(points, at: vpLevels[i])
            } else {
                // s = -(u - A_k R(u, k)) / eta^2, the score the restoration implies.
                let k = blurLevels[i - vpLevels.count]
                var restored = Matrix(rows: points.rows, columns: d)
                NetworkRestoration(model: blurNet.model, ladder: ladder).restore(points, level: k, into: &restored)
                let blurred = ladder.blurred(restored, level: k), inverseVariance = Float(1 / (blurNoise * blurNoise))
                learned = Matrix(rows: points.rows, columns: d,
                                 elements: zip(points.elements, blurred.elements).map { -($0 - $1) * inverseVariance })
            }
            errors.append(.init(process: c.process, level: c.level, relativeError: ScoreError.relative(learned, exact: exact)))
        }
        // The sampler alone (exact restoration) against sampler and network (the learned one), same delta.
        let samplingCount = setup.sampleCount
        let features = { (x: Matrix) in setup.classifier.evaluate(x).features }
        let reference = features(mixture.sample(count: samplingCount, rng: &rng))
        guard let prior = ladder.prior(fittedTo: trainingSet), let exactRestoration = MixtureRestoration(mixture: mixture, ladder: ladder),
              let floor = FrechetDistance(features(mixture.sample(count: samplingCount, rng: &rng)), reference) else {
            throw RunFailure("the stand-in's blurred covariances are not positive definite")
        }
        let sampler = InverseHeatDissipation(ladder: ladder, prior: prior, samplingNoise: 1.25 * blurNoise)
        var samplings: [GroundTruth.Sampling] = []
        func measure(_ process: String, _ samplerName: String, _ guide: String, _ samples: Matrix) {
            let diverged = samples.nonFiniteRows
            let distance = diverged == 0 ? FrechetDistance(features(samples), reference)?.value : nil
            printNow("stand-in, \(process), \(samplerName) with the \(guide): "
                     + (distance.map { String(format: "Fréchet distance %.4g (floor %.4g)", $0, floor.value) } ?? "\(diverged) samples diverged"))
            samplings.append(.init(process: process, sampler: samplerName, guide: guide, diverged: diverged, frechetDistance: distance))
        }
        for (name, restoration) in [("exact restoration (posterior mean)", exactRestoration as any Restoration),
                                    ("learned restoration (the network above)", NetworkRestoration(model: blurNet.model, ladder: ladder))] {
            measure("blur+noise", "inverse heat dissipation", name, sampler.sample(count: samplingCount, restoration: restoration, rng: &rng).samples)
        }
        // The Gaussian arms' samplers with the stand-in's exact score and with a network trained on
        // its samples (VP: the one above; VE: one more, as the VE arm trains): what the process
        // and sampler cost alone, and what learning adds.
        let veNet = try train(setup.configuration(.logSigma),
                              objective: CorruptionDenoisingScoreMatching(corruption: GaussianNoise(sigma: 1), sigmas: gaussian.sigmas, dimension: d),
                              data: trainingSet, label: "stand-in gaussian (VE) dsm", setup: setup, rng: &rng)
        let ddpmName = gaussian.ddpmName, langevinName = gaussian.langevinName
        for (name, score) in [("exact score", mixture as any ScoreFunction), ("learned score (the network above)", NetworkScore(model: vpNet.model))] {
            measure("gaussian (VP)", ddpmName, name, gaussian.ddpm.sample(count: samplingCount, score: score, rng: &rng, progress: nil).samples)
        }
        for (name, score) in [("exact score", mixture as any ScoreFunction), ("learned score (a network trained on sigma)", NetworkScore(model: veNet.model))] {
            measure("gaussian (VE)", langevinName, name, gaussian.langevin.sample(count: samplingCount, score: score, rng: &rng).samples)
        }
        // Blurring diffusion on the same chain, last so that everything above keeps its draws: the
        // identity at two times, a network's score error there, and its sampler with either score.
        let blurring = gaussian.blurring
        var blurringSets: [(time: Double, level: String, corrupted: Matrix, exact: Matrix)] = []
        for t in [0.1, 0.5] {
            let level = blurring.level(at: t)
            let label = String(format: "t = %.2g (blur %.2g px, alpha %.3f, sigma %.3f)", t, blurring.blurWidth(at: t),
                               level.alpha, level.sigma)
            guard let q = blurring.marginal(of: mixture, at: t) else { throw RunFailure("\(blurring.name) at t = \(t): the corrupted covariance is singular") }
            let pairs = Self.pairs(of: mixture, count: count, noise: level.sigma, corrupted: q, corrupt: { blurring.mean($0, at: t) }, rng: &rng)
            identity.append(Self.identity(blurring.name, label, noise: level.sigma, corrupted: q, pairs: pairs))
            blurringSets.append((t, label, pairs.corrupted, pairs.exact))
        }
        let blurringNet = try train(setup.configuration(.time(width: 32), .noise), objective: gaussian.blurringDSM(),
                                    data: trainingSet, label: "stand-in blurring diffusion dsm", setup: setup, rng: &rng)
        for set in blurringSets {
            let learned = NetworkScore(model: blurringNet.model).scores(set.corrupted, at: blurring.level(at: set.time))
            errors.append(.init(process: blurring.name, level: set.level, relativeError: ScoreError.relative(learned, exact: set.exact)))
        }
        for (name, score) in [("exact score", BlurringDiffusionMixtureScore(mixture: mixture, process: blurring) as any ScoreFunction),
                              ("learned score (the network above)", NetworkScore(model: blurringNet.model))] {
            measure(blurring.name, gaussian.blurringName, name, gaussian.blurringSampler.sample(count: samplingCount, score: score, rng: &rng).samples)
        }
        return GroundTruth(mixture: mixture, pairs: count, identity: identity, spectra: spectra, errors: errors,
                           samplings: samplings, samplingFloor: floor.value, samplingCount: samplingCount)
    }
}
