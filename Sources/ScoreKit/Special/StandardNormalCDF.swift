import RealModule

/// The standard normal distribution function Phi(x) = erfc(-x / sqrt 2) / 2, through erfc so that
/// the lower tail keeps its relative precision (Phi(-30) is 4.9e-198, not 0). Phi(-inf) = 0,
/// Phi(+inf) = 1; NaN gives NaN.
public func standardNormalCDF(_ x: Double) -> Double { 0.5 * .erfc(-x / 2.0.squareRoot()) }
