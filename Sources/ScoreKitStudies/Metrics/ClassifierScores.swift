import Foundation
import ScoreKit

/// What a classifier's class probabilities p(y | x) say about a set of images.
public struct ClassifierScores: Codable, Sendable {
    /// exp(E_x KL(p(y | x) || p(y))), p(y) the set's mean probabilities (the Inception score of
    /// Salimans et al. 2016, with this classifier): 1 for a set of one blurry kind, up to the
    /// number of classes for confident predictions spread evenly over the classes.
    public let inceptionScore: Double
    /// The fraction of images whose most probable class is each class.
    public let classFractions: [Double]
    /// Total variation between `classFractions` and the uniform distribution over classes.
    public let classImbalance: Double
    /// Mean of max_y p(y | x): how sure the classifier is of the images.
    public let meanConfidence: Double

    /// - Parameter p: [N, classes] class probabilities, each row a distribution.
    public init(probabilities p: Matrix) {
        precondition(p.rows >= 1 && p.columns >= 2, "ClassifierScores: needs probabilities of at least 2 classes")
        let k = p.columns
        var marginal = [Double](repeating: 0, count: k), counts = [Double](repeating: 0, count: k), confidence = 0.0
        for i in 0..<p.rows {
            var best = 0
            for c in 0..<k {
                marginal[c] += Double(p[i, c])
                if p[i, c] > p[i, best] { best = c }
            }
            counts[best] += 1
            confidence += Double(p[i, best])
        }
        marginal = marginal.map { $0 / Double(p.rows) }
        var divergence = 0.0
        for i in 0..<p.rows {
            for c in 0..<k where p[i, c] > 0 { divergence += Double(p[i, c]) * log(Double(p[i, c]) / marginal[c]) }
        }
        inceptionScore = exp(divergence / Double(p.rows))
        classFractions = counts.map { $0 / Double(p.rows) }
        classImbalance = 0.5 * classFractions.reduce(0) { $0 + abs($1 - 1 / Double(k)) }
        meanConfidence = confidence / Double(p.rows)
    }
}
