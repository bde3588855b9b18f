import Foundation

/// What a score network reads besides x, and how its output becomes a score.
///
/// `logSigma`: one input, log sigma (NCSN), for variance-exploding levels. `time(width:)`: a
/// sinusoidal embedding of the process time t in [0, 1] (Vaswani et al.; DDPM's time embedding),
/// width / 2 frequencies omega_k = 1000 / 2^k, k = 0 ..< width / 2, as
/// [sin(omega_0 t), ..., sin(omega_(K-1) t), cos(omega_0 t), ..., cos(omega_(K-1) t)]: from one
/// radian per DDPM step (of 1,000) down to periods far longer than the whole process. Powers of two
/// let every feature follow from the slowest one by the double-angle formulas, one sin and cos per row.
public enum Conditioning: Sendable, Equatable, Codable, CustomStringConvertible {
    case logSigma
    case time(width: Int)

    /// Input columns after the d coordinates.
    public var width: Int {
        switch self {
        case .logSigma: return 1
        case let .time(width): return width
        }
    }

    public var description: String {
        switch self {
        case .logSigma: return "log-sigma"
        case let .time(width): return "time-\(width)"
        }
    }

    /// The `width` features for sigma (logSigma) or time t (time).
    public func features(sigma: Float, time: Float) -> [Float] {
        var out = [Float](repeating: 0, count: width)
        out.withUnsafeMutableBufferPointer { features(sigma: sigma, time: time, into: $0.baseAddress!) }
        return out
    }

    /// Writes the `width` features for sigma (logSigma) or time t (time) into `out`.
    func features(sigma: Float, time: Float, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .logSigma:
            out[0] = logf(sigma)
        case let .time(width):
            let k = width / 2
            // The slowest frequency first, then doubling: sin 2a = 2 sin a cos a, cos 2a = 1 - 2 sin^2 a.
            var s = sin(1000 / pow(2, Double(k - 1)) * Double(time)), c = cos(1000 / pow(2, Double(k - 1)) * Double(time))
            for j in stride(from: k - 1, through: 0, by: -1) {
                out[j] = Float(s)
                out[k + j] = Float(c)
                (s, c) = (2 * s * c, 1 - 2 * s * s)
            }
        }
    }
}

/// What the network's output f means. `score`: s = f / tau (NCSN: f is about -z for DSM's
/// sigma^2-weighted target). `noise`: f is the noise prediction eps_hat (DDPM), and the score is
/// s = -eps_hat / sigma. The two give the same loss up to f's sign; the parameterisation only
/// fixes what the saved network computes.
public enum OutputParameterisation: String, Sendable, CaseIterable, Codable {
    case score
    case noise = "eps"
}
