import Foundation
import ScoreKit
import ScoreKitStudies

/// "Why Gaussian noise?": the three properties the noise study found decide it, measured for
/// Gaussian, Laplace, uniform and Student-t(3) noise of the same variance: Vincent's identity
/// (does DSM still hold?), Tweedie's formula (is one denoising step exact?), and closure under
/// composition (is q(x_t | x_0) after many small steps again a member of the family?).
public struct GaussianNoiseArticle: Article {
    public static let fileName = "WhyGaussianNoise"
    public static let kernels: [any AdditiveNoise] = [GaussianNoise(sigma: 1), LaplaceNoise(sigma: 1),
                                                           UniformNoise(sigma: 1), StudentTNoise(sigma: 1)]
    public static let sigma = 0.5
    public let identity: [DenoisingIdentityCheck]
    public let tweedie: [TweedieCheck]
    public let composition: [CompositionCheck]
    public let pairs: Int
    public var figures: [(name: String, figure: SVGFigure)] { [] }

    public init(quick: Bool) {
        let mixture = ToyDataset.eightGaussians.mixture!
        pairs = quick ? 20_000 : 200_000
        let pairs = self.pairs
        var rng = RandomSource(seed: 9)
        identity = Self.kernels.map { kernel in
            DenoisingIdentityCheck(mixture: mixture, kernel: kernel, sigma: Self.sigma,
                                   scores: DenoisingIdentityCheck.probeFields(exact: kernel.corrupted(mixture), sigma: Self.sigma),
                                   samples: pairs, rng: &rng)
        }
        tweedie = Self.kernels.map { TweedieCheck(mixture: mixture, kernel: $0, sigma: Self.sigma, samples: pairs, rng: &rng) }
        composition = Self.kernels.map { CompositionCheck(kernel: $0, samples: quick ? 5_000 : 50_000, rng: &rng) }
    }

    public var generated: String {
        table(["noise", "Vincent's identity: largest difference / s.e.", "Tweedie's step: largest correlation / s.e.",
               "16 steps against one: KS distance (floor)"],
              Self.kernels.indices.map { k in
                  let worstIdentity = identity[k].comparisons.map { abs($0.difference) / $0.standardError }.max()!
                  let worstTweedie = tweedie[k].correlations.map { abs($0.mean) / $0.standardError }.max()!
                  return [Self.kernels[k].name,
                          String(format: "%.1f (%@)", worstIdentity, (identity[k].holds ? "holds" : "fails") as NSString),
                          String(format: "%.1f (%@)", worstTweedie, (tweedie[k].holds ? "exact" : "biased") as NSString),
                          String(format: "%.4f (%.4f)", composition[k].distances.last!, composition[k].floor)]
              })
            + String(format: "\n\nsigma = %g on 8 Gaussians; %d pairs per check, %d sums per composition.", Self.sigma, pairs, composition[0].samples)
    }
}
