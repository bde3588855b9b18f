import ScoreKit
import ScoreKitStudies

/// One article of the DocC catalogue whose numbers and figures the engine computes: its
/// computation (run at a full or a reduced budget), the Markdown it writes between the
/// article's `<!-- generated -->` markers, and its figures.
public protocol Article {
    /// The article's file in the catalogue, without ".md".
    static var fileName: String { get }
    /// Runs the article's computation; `quick` is the reduced budget the tests use.
    init(quick: Bool) throws
    /// The tables and numbers that go between the markers.
    var generated: String { get }
    /// The figures, each written as Resources/`name`.svg of the catalogue.
    var figures: [(name: String, figure: SVGFigure)] { get }
}

/// Every article, in reading order.
public var articles: [any Article.Type] {
    [ScoreArticle.self, TraceArticle.self, DenoisingArticle.self, SamplingArticle.self, GaussianNoiseArticle.self]
}

/// A Markdown table from a header and rows of cells.
func table(_ header: [String], _ rows: [[String]]) -> String {
    (["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in "---" }.joined(separator: "|") + "|"]
        + rows.map { "| " + $0.joined(separator: " | ") + " |" }).joined(separator: "\n")
}
