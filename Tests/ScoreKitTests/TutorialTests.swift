import Foundation
import Testing
import ScoreKit
import ScoreKitTutorial

/// The DocC articles' computations at the reduced budget: each article's claims must still hold,
/// and each article file must be what the generator writes (markers in place, the same tables,
/// its figures present), so that an article cannot go stale without a test failing.
@Suite struct TutorialTests {
    /// Every article computed once at the reduced budget (in the first test that asks), shared by
    /// the file check and the claims below. Read-only after that one initialisation.
    nonisolated(unsafe) static let computed: [String: Result<any Article, any Error>] = Dictionary(uniqueKeysWithValues: articles.map { type in
        (type.fileName, Result { try type.init(quick: true) as any Article })
    })

    static func article<A: Article>(_ type: A.Type) throws -> A { try computed[type.fileName]!.get() as! A }

    static let catalogue = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/ScoreKit/ScoreKit.docc").path

    /// Every article's file has its markers; its generated part has the tables the generator
    /// writes now (the same header lines, row for row in the first column), and every figure
    /// the article shows is in Resources/. Rejected: a renderer changed without regenerating,
    /// an article that lost its markers, a figure not written.
    @Test(arguments: articles.map { $0.fileName })
    func articleFilesMatchTheirGenerator(name: String) throws {
        let file = ArticleFile(catalogue: Self.catalogue, name: name)
        let committed = try file.generatedPart().split(separator: "\n")
        let fresh = try Self.computed[name]!.get()
        let regenerated = fresh.generated.split(separator: "\n")
        func headers(_ lines: [Substring]) -> [Substring] { lines.filter { $0.hasPrefix("| ") }.map { $0.split(separator: "|").first ?? "" } }
        #expect(committed.count == regenerated.count, "\(name): \(committed.count) generated lines in the file, the generator writes \(regenerated.count)")
        #expect(headers(committed) == headers(regenerated), "\(name): the tables' first column differs from the generator's")
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        for (figure, _) in fresh.figures {
            #expect(text.contains("](\(figure))"), "\(name) does not show \(figure)")
            #expect(FileManager.default.fileExists(atPath: "\(Self.catalogue)/Resources/\(figure).svg"), "Resources/\(figure).svg missing")
        }
    }

    /// Training lowers the relative Fisher divergence far below the untrained network's (about 1)
    /// at the large levels. Rejected: a training loop that does not train, an error measured
    /// against the wrong density.
    @Test func scoreArticleTrainsTowardTheExactScore() throws {
        let article = try Self.article(ScoreArticle.self)
        for error in article.untrained { #expect(error > 0.6, "untrained \(article.untrained)") }
        for k in ScoreArticle.sigmas.indices where ScoreArticle.sigmas[k] >= 1 {
            #expect(article.trained[k] < 0.4, "sigma \(ScoreArticle.sigmas[k]): \(article.trained[k])")
        }
    }

    /// The 1/M law: every measured mean squared error within 35% of the law (8 x 256 estimates
    /// per M: a relative standard error near 10%), slopes near -1, Rademacher below Gaussian.
    /// Rejected: projections reused across M, a missing 1/M, the diagonal counted for Rademacher.
    @Test func traceArticleFollowsTheVarianceLaw() throws {
        let article = try Self.article(TraceArticle.self)
        for projection in [Projection.rademacher, .gaussian] {
            for (measured, law) in zip(article.measured[projection]!, article.predicted[projection]!) {
                #expect(abs(measured / law - 1) < 0.35, "\(projection): measured \(measured), law \(law)")
            }
            #expect(abs(article.slopes[projection]! + 1) < 0.15, "\(projection): slope \(article.slopes[projection]!)")
        }
        #expect(article.predicted[.rademacher]![0] < article.predicted[.gaussian]![0])
        #expect(article.costs.count == 4 && article.costs.allSatisfy { $0.milliseconds.count == 3 })
    }

    /// Vincent's identity holds for Gaussian noise at every level of the article.
    @Test func denoisingArticleFindsTheIdentity() throws {
        let article = try Self.article(DenoisingArticle.self)
        #expect(article.checks.count == DenoisingArticle.sigmas.count)
        for check in article.checks { #expect(check.holds, "\(check.comparisons)") }
    }

    /// The noise-prediction loss is the engine's DSM loss on the same batch, to rounding; every
    /// sampler with the exact score lands near the data. Rejected: a wrong weight (sigma instead
    /// of sigma^2), a sampler that does not reach the data (distances above 1).
    @Test func samplingArticleShowsTheEquivalenceAndWorkingSamplers() throws {
        let article = try Self.article(SamplingArticle.self)
        #expect(abs(article.denoisingLoss - article.noiseLoss) <= 1e-5 * article.noiseLoss,
                "DSM \(article.denoisingLoss), noise prediction \(article.noiseLoss)")
        for run in article.runs { #expect(run.slicedW2 < 0.5, "\(run.sampler): \(run.slicedW2)") }
    }

    /// The three properties: the identity holds for every smooth kernel and fails for uniform
    /// noise; Tweedie's step is exact only for Gaussian noise; only the Gaussian family composes.
    @Test func gaussianNoiseArticleSeparatesTheKernels() throws {
        let article = try Self.article(GaussianNoiseArticle.self)
        let names = GaussianNoiseArticle.kernels.map(\.name)
        for (k, name) in names.enumerated() {
            #expect(article.identity[k].holds == (name != "uniform"), "\(name): identity \(article.identity[k].comparisons)")
            #expect(article.tweedie[k].holds == (name == "gaussian"), "\(name): Tweedie \(article.tweedie[k].correlations)")
            let distance = article.composition[k].distances.last!, floor = article.composition[k].floor
            #expect((distance < 2.5 * floor) == (name == "gaussian"), "\(name): KS \(distance) against the floor \(floor)")
        }
    }
}
