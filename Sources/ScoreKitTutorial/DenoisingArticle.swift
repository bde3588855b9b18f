import Foundation
import ScoreKit
import ScoreKitStudies

/// "Denoising score matching": Vincent's identity measured. For pairs x ~ p, x~ = x + sigma z,
///
///     D(s) = ||s(x~) - grad log q_sigma(x~)||^2 - ||s(x~) - grad log k(x~ | x)||^2,
///     grad log k(x~ | x) = -(x~ - x) / sigma^2,
///
/// has the same mean for every score function s: explicit and denoising score matching differ
/// by a constant. The check's four probe fields, one of them the exact score, at three levels.
public struct DenoisingArticle: Article {
    public static let fileName = "VincentsDenoisingObjective"
    public static let sigmas = [0.1, 0.5, 2.0]
    public let pairs: Int
    public let checks: [DenoisingIdentityCheck]
    public var figures: [(name: String, figure: SVGFigure)] { [] }

    public init(quick: Bool) {
        let mixture = ToyDataset.eightGaussians.mixture!, kernel = GaussianNoise(sigma: 1)
        var rng = RandomSource(seed: 6)
        let pairs = quick ? 20_000 : 400_000
        self.pairs = pairs
        let exact = kernel.corrupted(mixture)
        checks = Self.sigmas.map { sigma in
            DenoisingIdentityCheck(mixture: mixture, kernel: kernel, sigma: sigma,
                                   scores: DenoisingIdentityCheck.probeFields(exact: exact, sigma: sigma), samples: pairs, rng: &rng)
        }
    }

    public var generated: String {
        table(["sigma", "s against the zero field", "mean D(s) - mean D(zero)", "standard error", "in standard errors"],
              zip(Self.sigmas, checks).flatMap { sigma, check in
                  check.comparisons.map { c in
                      [String(format: "%g", sigma), c.name, String(format: "%.4g", c.difference), String(format: "%.2g", c.standardError),
                       String(format: "%.1f", c.difference / c.standardError)]
                  }
              })
            + "\n\n\(pairs) pairs per level; every difference within 4 standard errors: \(checks.allSatisfy(\.holds) ? "yes" : "no")."
    }
}
